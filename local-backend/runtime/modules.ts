/**
 * Loads a `convex/` directory the way the Convex CLI does: bundles every module with esbuild,
 * then has a function worker (`worker.ts`) import the result and report each export's
 * registration flags; function code never runs on the main thread. The deployment's
 * environment reaches the functions as `process.env` through a global that the bundle reads
 * instead of the real `process.env`, set in the worker, so nothing of the host's leaks in.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { SchemaJson } from "../database/database";
import { FunctionWorker } from "./executor";
import { checkSchemaNames } from "../database/schema-names";
import type { ValidatorJson } from "../database/values";
import type { AuthProviderConfig, FunctionKind, WorkerBundle } from "./worker-protocol";

export type { AuthProviderConfig, FunctionKind } from "./worker-protocol";

export interface LoadedFunction {
  path: string;
  kind: FunctionKind;
  visibility: "public" | "internal";
  args: ValidatorJson | null;
  returns: ValidatorJson | null;
  /** Convex's runtime, or its Node runtime for a module with "use node" (different action limits and wording). */
  environment: "isolate" | "node";
}

export interface LoadedModules {
  functions: Map<string, LoadedFunction>;
  schema: SchemaJson | null;
  authProviders: AuthProviderConfig[];
  /** The build, and a worker that already imported it (the executor's first). */
  workerFile: string;
  bundle: WorkerBundle;
  worker: FunctionWorker;
}

function listModules(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === "_generated" || entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      out.push(...listModules(full, root));
    } else if (
      /\.(ts|tsx|js|jsx|mjs)$/.test(entry.name) &&
      !/\.d\.ts$/.test(entry.name) &&
      !/\.(test|spec)\.[jt]sx?$/.test(entry.name) &&
      !entry.name.startsWith(".")
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
    const files = listModules(this.functionsDir);
    const entryPoints = files.map((f) => ({ in: join(this.functionsDir, f), out: f.replace(/\.[^.]+$/, "") }));
    this.workerFile ??= buildWorkerScript(join(this.buildRoot, "worker.mjs")).catch((error: unknown) => {
      this.workerFile = null;
      throw error;
    });
    const [workerFile] = await Promise.all([
      this.workerFile,
      build({
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
        define: { "process.env": `globalThis.${this.envGlobal}` },
        banner: {
          js: "import { createRequire as __lbCreateRequire } from 'node:module'; const require = __lbCreateRequire(import.meta.url);",
        },
      }),
    ]);
    const moduleName = (file: string) =>
      file
        .replace(/\.[^.]+$/, "")
        .split("\\")
        .join("/");
    const bundle: WorkerBundle = {
      buildDir: outdir,
      functionsDir: this.functionsDir,
      modules: files.map(moduleName),
      envGlobal: this.envGlobal,
      env: this.env,
      nodeModules: files.filter((f) => hasUseNodeDirective(readFileSync(join(this.functionsDir, f), "utf8"))).map(moduleName),
    };
    const nodeModules = new Set(bundle.nodeModules);
    const worker = new FunctionWorker(workerFile, bundle);
    let metadata;
    try {
      metadata = await worker.ready;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    const functions = new Map<string, LoadedFunction>();
    for (const fn of metadata.functions) {
      functions.set(fn.path, {
        path: fn.path,
        kind: fn.kind,
        visibility: fn.visibility,
        args: parseJson<ValidatorJson>(fn.args),
        returns: parseJson<ValidatorJson>(fn.returns),
        environment: nodeModules.has(fn.path.slice(0, fn.path.lastIndexOf(":"))) ? "node" : "isolate",
      });
    }
    return {
      functions,
      schema: parseJson<SchemaJson>(metadata.schema),
      authProviders: metadata.authProviders,
      workerFile,
      bundle,
      worker,
    };
  }

  clean(): void {
    rmSync(this.buildRoot, { recursive: true, force: true });
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
