/**
 * Loads a `convex/` directory the way the Convex CLI does: bundles every module with esbuild,
 * then has a function worker (`worker.ts`) import the result and report each export's
 * registration flags; function code never runs on the main thread. The deployment's
 * environment reaches the functions as `process.env` through a global that the bundle reads
 * instead of the real `process.env`, set in the worker, so nothing of the host's leaks in.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { externalPackages, externalPackagesPlugin } from "./external-packages";
import type { JSONValue } from "convex/values";
import type { SchemaJson } from "../database/database";
import { FunctionWorker } from "./executor";
import { checkSchemaNames } from "../database/schema-names";
import type { ValidatorJson } from "../database/values";
import type {
  AuthProviderConfig,
  ConfigBuild,
  DefinitionBuild,
  FunctionKind,
  ModuleMetadata,
  WorkerBundle,
} from "./worker-protocol";

export type { AuthProviderConfig, ConfigBuild, FunctionKind } from "./worker-protocol";

export interface LoadedFunction {
  path: string;
  /** The component instance it runs in ("" for the app). */
  component: string;
  /** The component definition whose code it is ("" for the app's). */
  definition: string;
  kind: FunctionKind;
  visibility: "public" | "internal";
  args: ValidatorJson | null;
  returns: ValidatorJson | null;
  /** Convex's runtime, or its Node runtime for a module with "use node" (different action limits and wording). */
  environment: "isolate" | "node";
}

/** The app ("") or a component instance: its functions, its schema and its children. */
export interface LoadedComponent {
  path: string;
  definitionPath: string;
  functions: Map<string, LoadedFunction>;
  schema: SchemaJson | null;
  /** Child name → the child's component path. */
  children: Map<string, string>;
}

export interface LoadedModules {
  /** The app's functions. */
  functions: Map<string, LoadedFunction>;
  /** The app's schema. */
  schema: SchemaJson | null;
  /** The app (at "") and every component instance, by component path. */
  components: Map<string, LoadedComponent>;
  /** What each `convex.config` exports, by definition path ("" for the app; empty without convex.config.ts). */
  definitionExports: Record<string, JSONValue>;
  authProviders: AuthProviderConfig[];
  /** crons.ts's jobs as its `export()` writes them (null without crons.ts). */
  crons: string | null;
  /** Whether `convex/http.ts` default-exports a router (HTTP actions are served). */
  httpRouter: boolean;
  /** The build, and a worker that already imported it (the executor's first). */
  workerFile: string;
  bundle: WorkerBundle;
  worker: FunctionWorker;
}

/** The component definitions an app's `convex.config.ts` installs (components, `features/components/`). */
export interface ComponentPlan {
  /** Each definition's path from the app's `convex/` (as Convex names it) and its directory. */
  definitions: { path: string; dir: string }[];
  /** The `convex.config` bundles, children before parents, the app's last. */
  configs: ConfigBuild[];
}

/** A component instance as the app's tree of `use()` calls makes it. */
export interface ComponentInstance {
  path: string;
  definitionPath: string;
  /** `process.env` inside it. */
  env: Record<string, string>;
  /** Child name → the child's component path. */
  children: Record<string, string>;
}

/** Where the loader learns about components (registration point for `features/components/`). */
export interface ComponentLoader {
  /** Finds and bundles (to `outdir`) the definitions `convex.config.ts` installs; null without one. */
  plan(functionsDir: string, outdir: string, envGlobal: string): Promise<ComponentPlan | null>;
  /** The instances, from what each definition's `convex.config` exports (`export()`). */
  instances(plan: ComponentPlan, exported: Record<string, JSONValue>, appEnv: Record<string, string>): ComponentInstance[];
}

/** The modules of a `convex/` (or component) directory; `convex.config` and nested component directories are not its. */
function listModules(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === "_generated" || entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      // As the Convex CLI does: a directory with its own convex.config.ts is a component of its own.
      if (existsSync(join(full, "convex.config.ts"))) continue;
      out.push(...listModules(full, root));
    } else if (/^convex\.config\.[jt]s$/.test(entry.name)) {
      continue;
    } else if (
      /\.(ts|tsx|js|jsx|mjs)$/.test(entry.name) &&
      !entry.name.startsWith(".") &&
      // As the CLI (bundler/index.ts, `entryPoints`): a name with more dots is no module (tests,
      // declarations, helpers); auth.config is one the worker reads apart.
      ((entry.name.match(/\./g) ?? []).length === 1 || /^auth\.config\.[jt]s$/.test(entry.name))
    ) {
      out.push(relative(root, full));
    }
  }
  return out;
}

/**
 * Whether a module opens with the "use node" directive, as the Convex CLI decides which runtime
 * a file runs in (bundler/index.ts, `hasUseNodeDirective`): a string statement among the ones
 * before any other code, comments allowed around them.
 */
export function hasUseNodeDirective(source: string): boolean {
  const prologue = /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|(["'])((?:(?!\1)[^\\\n])*)\1\s*;?)/;
  let rest = source.replace(/^#![^\n]*/, "");
  for (;;) {
    const match = prologue.exec(rest);
    if (!match || match[0].length === 0) return false;
    if (match[2] === "use node") return true;
    rest = rest.slice(match[0].length);
  }
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  const value = JSON.parse(text) as T | null;
  return value;
}

let buildCounter = 0;

/** A module's name: its path without the extension, with forward slashes (`lib/util`). */
function moduleName(file: string): string {
  return file
    .replace(/\.[^.]+$/, "")
    .split("\\")
    .join("/");
}

/**
 * What the bundle reads instead of the host's `process.env`: the worker's per-component view of
 * the deployment's environment. Components' generated code reads `globalThis.process.env`.
 */
export function processEnvDefines(envGlobal: string): Record<string, string> {
  return { "process.env": `globalThis.${envGlobal}`, "globalThis.process.env": `globalThis.${envGlobal}` };
}

/** Bundles `worker.ts` into plain JavaScript, so a worker runs under any loader (tsx, vitest). */
async function buildWorkerScript(outfile: string): Promise<string> {
  await build({
    entryPoints: [fileURLToPath(new URL("./worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

export class ModuleLoader {
  /** The build the loaded functions came from; removed once a newer one replaces it. */
  private currentBuild: string | null = null;

  constructor(
    private readonly functionsDir: string,
    private readonly buildRoot: string,
    /** A global the bundle reads `process.env` from (one per backend), and its value. */
    private readonly envGlobal: string,
    private readonly env: Record<string, string>,
    /** Loads what `convex.config.ts` installs; without it, convex.config.ts is not read. */
    private readonly components: ComponentLoader | null = null,
    /** Checks a feature makes of a build before it replaces the running one, as a push refuses a bad crons.ts. */
    private readonly validate: (modules: LoadedModules) => void = () => undefined,
  ) {}

  private workerFile: Promise<string> | null = null;

  async load(): Promise<LoadedModules> {
    // Everything up to esbuild's start is synchronous, so a caller can start a load and do other
    // work (reading the database) while esbuild bundles in its own process.
    const outdir = join(this.buildRoot, `${process.pid}-${Date.now()}-${buildCounter++}`);
    mkdirSync(outdir, { recursive: true });
    let loaded: LoadedModules | null = null;
    try {
      loaded = await this.buildAndImport(outdir);
      // As a Convex push does, refuse a schema with names Convex refuses.
      checkSchemaNames(loaded.schema);
      this.validate(loaded);
    } catch (error) {
      await loaded?.worker.terminate();
      await rm(outdir, { recursive: true, force: true });
      throw error;
    }
    const previous = this.currentBuild;
    this.currentBuild = outdir;
    if (previous) await rm(previous, { recursive: true, force: true });
    return loaded;
  }

  private async buildAndImport(outdir: string): Promise<LoadedModules> {
    this.workerFile ??= buildWorkerScript(join(this.buildRoot, "worker.mjs")).catch((error: unknown) => {
      this.workerFile = null;
      throw error;
    });
    const plan = this.components ? await this.components.plan(this.functionsDir, join(outdir, "_config"), this.envGlobal) : null;
    const base: WorkerBundle = {
      buildDir: outdir,
      functionsDir: this.functionsDir,
      modules: [],
      definitions: [],
      configs: [],
      envGlobal: this.envGlobal,
      env: this.env,
      componentEnv: {},
      nodeModules: [],
    };
    // The component tree first: each definition's convex.config runs (in a worker of its own), children first.
    const workerFile = await this.workerFile;
    const exported = plan ? (await this.analyse(workerFile, { ...base, configs: plan.configs })).definitions : {};
    const instances: ComponentInstance[] =
      plan && this.components
        ? this.components.instances(plan, exported, this.env)
        : [{ path: "", definitionPath: "", env: this.env, children: {} }];
    const definitions: DefinitionBuild[] = (plan?.definitions ?? []).map((d, i) => ({
      path: d.path,
      dir: `_components/${i}`,
      modules: listModules(d.dir).map(moduleName),
    }));
    const files = listModules(this.functionsDir);
    // Only the app may have "use node" modules (the CLI refuses them in a component).
    const nodeFiles = new Set(files.filter((f) => hasUseNodeDirective(readFileSync(join(this.functionsDir, f), "utf8"))));
    // As the CLI bundles them: Convex's runtime and its Node runtime apart, external packages only in the latter.
    await Promise.all([
      this.bundleModules(
        this.functionsDir,
        outdir,
        files.filter((f) => !nodeFiles.has(f)),
        [],
      ),
      this.bundleModules(
        this.functionsDir,
        outdir,
        [...nodeFiles],
        [externalPackagesPlugin(externalPackages(this.functionsDir))],
      ),
      ...(plan?.definitions ?? []).map((d, i) =>
        this.bundleModules(d.dir, join(outdir, definitions[i]!.dir), listModules(d.dir), []),
      ),
    ]);
    const bundle: WorkerBundle = {
      ...base,
      modules: files.map(moduleName),
      definitions,
      componentEnv: Object.fromEntries(instances.filter((c) => c.path !== "").map((c) => [c.path, c.env])),
      nodeModules: [...nodeFiles].map(moduleName),
    };
    const nodeModules = new Set(bundle.nodeModules);
    const worker = new FunctionWorker(workerFile, bundle);
    let metadata: ModuleMetadata;
    try {
      metadata = await worker.ready;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    const components = new Map<string, LoadedComponent>();
    for (const instance of instances) {
      const functions = new Map<string, LoadedFunction>();
      for (const fn of metadata.functions) {
        if (fn.definition !== instance.definitionPath) continue;
        functions.set(fn.path, {
          path: fn.path,
          component: instance.path,
          definition: fn.definition,
          kind: fn.kind,
          visibility: fn.visibility,
          args: parseJson<ValidatorJson>(fn.args),
          returns: parseJson<ValidatorJson>(fn.returns),
          environment: fn.definition === "" && nodeModules.has(fn.path.slice(0, fn.path.lastIndexOf(":"))) ? "node" : "isolate",
        });
      }
      components.set(instance.path, {
        path: instance.path,
        definitionPath: instance.definitionPath,
        functions,
        schema: parseJson<SchemaJson>(metadata.schemas[instance.definitionPath] ?? null),
        children: new Map(Object.entries(instance.children)),
      });
    }
    const app = components.get("")!;
    return {
      functions: app.functions,
      schema: app.schema,
      components,
      definitionExports: exported,
      authProviders: metadata.authProviders,
      crons: metadata.crons,
      httpRouter: metadata.httpRouter,
      workerFile,
      bundle,
      worker,
    };
  }

  /** Has a worker of its own evaluate the bundle (the `convex.config` files), and stops it. */
  private async analyse(workerFile: string, bundle: WorkerBundle): Promise<ModuleMetadata> {
    const worker = new FunctionWorker(workerFile, bundle);
    try {
      return await worker.ready;
    } finally {
      await worker.terminate();
    }
  }

  /** Bundles each module of a `convex/` (or component) directory into `outdir`, as the CLI splits them. */
  private async bundleModules(dir: string, outdir: string, files: string[], plugins: Plugin[]): Promise<void> {
    if (files.length === 0) return;
    const entryPoints = files.map((f) => ({ in: join(dir, f), out: moduleName(f) }));
    await build({
      plugins,
      entryPoints,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node22",
      splitting: true,
      outdir,
      outExtension: { ".js": ".mjs" },
      // Maps (next to each file, not referenced from it) are read only to report an error's
      // frames; names are kept as written, as the Convex CLI's build keeps them.
      sourcemap: "external",
      sourcesContent: false,
      keepNames: true,
      logLevel: "silent",
      define: processEnvDefines(this.envGlobal),
      banner: {
        js: "import { createRequire as __lbCreateRequire } from 'node:module'; const require = __lbCreateRequire(import.meta.url);",
      },
    });
  }

  clean(): void {
    rmSync(this.buildRoot, { recursive: true, force: true });
  }
}

/**
 * A function named within a component: how admin tools name a component's function (with a
 * component path), and how the backend names one it already resolved. Only code makes these;
 * a path that arrives as JSON is always a string, and names a function of the app.
 */
export class ComponentFunctionPath {
  constructor(
    readonly component: string,
    readonly path: string,
  ) {}

  static of(fn: LoadedFunction): ComponentFunctionPath {
    return new ComponentFunctionPath(fn.component, fn.path);
  }
}

/**
 * `module:fn`, `module.js:fn`, `module` (= default export) all name the same function. As in
 * Convex, the function name is what follows the last `:`, so `mod:fn:extra` names no function.
 */
export function canonicalPath(udfPath: string): string {
  const colon = udfPath.lastIndexOf(":");
  const [modulePart, fn] = colon >= 0 ? [udfPath.slice(0, colon), udfPath.slice(colon + 1)] : [udfPath, "default"];
  return `${modulePart.replace(/\.(js|ts|mjs)$/, "")}:${fn}`;
}
