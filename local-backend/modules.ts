/**
 * Loads a `convex/` directory the way the Convex CLI does: bundles every module with esbuild
 * and imports the result, then reads each export's registration flags. The deployment's
 * environment reaches the functions as `process.env` through a per-backend object that the
 * bundle reads instead of the real `process.env`, so nothing leaks between backends.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import type { SchemaJson } from "./database";
import { checkSchemaNames } from "./schema-names";
import type { ValidatorJson } from "./values";

export type FunctionKind = "query" | "mutation" | "action";

/** What `query()/mutation()/action()` from `convex/server` attach to the exported function. */
interface RegisteredExport {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  isInternal?: boolean;
  invokeQuery?: (args: string) => Promise<string>;
  invokeMutation?: (args: string) => Promise<string>;
  invokeAction?: (requestId: string, args: string) => Promise<string>;
  exportArgs?: () => string;
  exportReturns?: () => string;
}

export interface LoadedFunction {
  path: string;
  kind: FunctionKind;
  visibility: "public" | "internal";
  args: ValidatorJson | null;
  returns: ValidatorJson | null;
  invoke(args: string, requestId: string): Promise<string>;
}

export interface AuthProviderConfig {
  type?: string;
  domain?: string;
  applicationID?: string;
  issuer?: string;
  jwks?: string;
  algorithm?: string;
}

export interface LoadedModules {
  functions: Map<string, LoadedFunction>;
  schema: SchemaJson | null;
  authProviders: AuthProviderConfig[];
}

const NON_FUNCTION_MODULES = new Set(["schema", "auth.config", "convex.config", "crons", "http"]);

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

function parseJson<T>(text: string | undefined): T | null {
  if (text === undefined) return null;
  const value = JSON.parse(text) as T | null;
  return value;
}

let buildCounter = 0;

export class ModuleLoader {
  /** The build the loaded functions came from; removed once a newer one replaces it. */
  private currentBuild: string | null = null;

  constructor(
    private readonly functionsDir: string,
    private readonly buildRoot: string,
    /** A global the bundle reads `process.env` from (one per backend). */
    private readonly envGlobal: string,
  ) {}

  async load(): Promise<LoadedModules> {
    // Everything up to esbuild's start is synchronous, so a caller can start a load and do other
    // work (reading the database) while esbuild bundles in its own process.
    const outdir = join(this.buildRoot, `${process.pid}-${Date.now()}-${buildCounter++}`);
    mkdirSync(outdir, { recursive: true });
    let loaded: LoadedModules;
    try {
      loaded = await this.buildAndImport(outdir);
      // As a Convex push does, refuse a schema with names Convex refuses.
      checkSchemaNames(loaded.schema);
    } catch (error) {
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
    await build({
      entryPoints,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node22",
      splitting: true,
      outdir,
      outExtension: { ".js": ".mjs" },
      logLevel: "silent",
      define: { "process.env": `globalThis.${this.envGlobal}` },
      banner: {
        js: "import { createRequire as __lbCreateRequire } from 'node:module'; const require = __lbCreateRequire(import.meta.url);",
      },
    });
    const functions = new Map<string, LoadedFunction>();
    let schema: SchemaJson | null = null;
    let authProviders: AuthProviderConfig[] = [];
    for (const entry of entryPoints) {
      const moduleName = entry.out.split("\\").join("/");
      const mod = (await import(pathToFileURL(join(outdir, `${entry.out}.mjs`)).href)) as Record<string, unknown>;
      if (moduleName === "schema") {
        const def = mod.default as { export?: () => string } | undefined;
        if (def?.export) schema = JSON.parse(def.export()) as SchemaJson;
        continue;
      }
      if (moduleName === "auth.config") {
        const config = mod.default as { providers?: AuthProviderConfig[] } | undefined;
        authProviders = config?.providers ?? [];
        continue;
      }
      if (NON_FUNCTION_MODULES.has(moduleName)) continue;
      for (const [exportName, value] of Object.entries(mod)) {
        const fn = value as RegisteredExport | null;
        if (typeof fn !== "function" && (typeof fn !== "object" || fn === null)) continue;
        const kind: FunctionKind | null = fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : null;
        if (!kind) continue;
        const path = `${moduleName}:${exportName}`;
        functions.set(path, {
          path,
          kind,
          visibility: fn.isPublic ? "public" : "internal",
          args: parseJson<ValidatorJson>(fn.exportArgs?.()),
          returns: parseJson<ValidatorJson>(fn.exportReturns?.()),
          invoke: (args, requestId) => {
            if (kind === "query") return fn.invokeQuery!(args);
            if (kind === "mutation") return fn.invokeMutation!(args);
            return fn.invokeAction!(requestId, args);
          },
        });
      }
    }
    return { functions, schema, authProviders };
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
