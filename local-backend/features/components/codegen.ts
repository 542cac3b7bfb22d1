/**
 * The Convex CLI's code generation for an app with components (`npx convex codegen`, pinned
 * `convex` 1.48: convex/src/cli/lib/components.ts, `startComponentsPushAndCodegen`) needs a
 * deployment: it pulls the deployment's config (`POST /api/get_config_hashes`), pushes the
 * bundles (`POST /api/deploy2/start_push`) and writes `_generated/` from the analysis the
 * deployment answers with (each definition's exports, child components, env declarations,
 * functions and their validators). The local backend answers those two requests for the
 * CLI's codegen: it analyses the project's current sources itself, as a push would, and
 * stages nothing (no `finish_push` is served, so `npx convex dev/deploy` still cannot push).
 * `npm run codegen` (scripts/codegen.ts) runs the pinned CLI against a backend started for the
 * purpose, so `_generated/` is exactly what the CLI writes, offline. ADR 004 records why.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JSONValue } from "convex/values";
import { ModuleLoader, type LoadedComponent, type LoadedFunction, type LoadedModules } from "../../runtime/modules";
import { componentLoader } from "./loader";

/** What the CLI's zod schemas read of an analysed function (deployApi/modules.ts, `analyzedFunction`). */
interface AnalyzedFunction {
  name: string;
  pos: null;
  udfType: "Query" | "Mutation" | "Action";
  visibility: { kind: "public" | "internal" };
  args: string | null;
  returns: string | null;
}

type ComponentExports = { type: "leaf"; leaf: string } | { type: "branch"; branch: [string, ComponentExports][] };

const UDF_TYPES = { query: "Query", mutation: "Mutation", action: "Action" } as const;

/** `counters.js` for the module of `counters:increment` (Convex's canonicalized module path). */
function modulePath(fn: LoadedFunction): string {
  return `${fn.path.slice(0, fn.path.lastIndexOf(":"))}.js`;
}

function analyzedModules(component: LoadedComponent): Record<string, { functions: AnalyzedFunction[] }> {
  const modules: Record<string, { functions: AnalyzedFunction[] }> = {};
  for (const fn of component.functions.values()) {
    (modules[modulePath(fn)] ??= { functions: [] }).functions.push({
      name: fn.path.slice(fn.path.lastIndexOf(":") + 1),
      pos: null,
      udfType: UDF_TYPES[fn.kind],
      visibility: { kind: fn.visibility },
      args: fn.args === null ? null : JSON.stringify(fn.args),
      returns: fn.returns === null ? null : JSON.stringify(fn.returns),
    });
  }
  return modules;
}

/** A component's exports: its public functions by module path (crates/model/src/components/file_based_routing.rs). */
function fileBasedExports(component: LoadedComponent): ComponentExports & { type: "branch" } {
  type Tree = Map<string, Tree | string>;
  const root: Tree = new Map();
  for (const fn of component.functions.values()) {
    if (fn.visibility !== "public") continue;
    const module = fn.path.slice(0, fn.path.lastIndexOf(":"));
    const names = [...module.split("/"), fn.path.slice(fn.path.lastIndexOf(":") + 1)];
    const conflict = () => new Error(`InvalidExport: Path ${module}:${names.at(-1)!} conflicts with existing export`);
    let node = root;
    for (const name of names.slice(0, -1)) {
      let next = node.get(name);
      if (next === undefined) node.set(name, (next = new Map()));
      if (typeof next === "string") throw conflict();
      node = next;
    }
    if (node.has(names.at(-1)!)) throw conflict();
    node.set(names.at(-1)!, `_reference/function/${modulePath(fn)}:${names.at(-1)!}`);
  }
  const serialize = (tree: Tree): ComponentExports & { type: "branch" } => ({
    type: "branch",
    branch: [...tree]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, child]) => [name, typeof child === "string" ? { type: "leaf", leaf: child } : serialize(child)]),
  });
  return serialize(root);
}

/** The start_push response's `analysis`, `app` and the rest the CLI checks, from an analysis of the sources. */
export function startPushResponse(modules: LoadedModules, serverVersion: string): JSONValue {
  const analysis: Record<string, JSONValue> = {};
  const byDefinition = new Map<string, LoadedComponent>();
  for (const component of modules.components.values()) {
    if (!byDefinition.has(component.definitionPath)) byDefinition.set(component.definitionPath, component);
  }
  for (const [definitionPath, component] of byDefinition) {
    const exported = (modules.definitionExports[definitionPath] ?? {}) as Record<string, JSONValue>;
    const isApp = definitionPath === "";
    analysis[definitionPath] = {
      definition: {
        path: definitionPath,
        definitionType: isApp
          ? { type: "app" }
          : { type: "childComponent", name: typeof exported.name === "string" ? exported.name : "" },
        childComponents: exported.childComponents ?? [],
        httpMounts: exported.httpMounts ?? {},
        // The app exports what its definition says (nothing); a component, its public functions.
        exports: (isApp ? (exported.exports ?? { type: "branch", branch: [] }) : fileBasedExports(component)) as JSONValue,
        ...(exported.envVars !== undefined ? { envVars: exported.envVars } : {}),
      },
      schema: component.schema as JSONValue,
      functions: analyzedModules(component) as unknown as JSONValue,
      udfConfig: { serverVersion, importPhaseRngSeed: null, importPhaseUnixTimestamp: null },
    };
  }
  const checked = (component: LoadedComponent): JSONValue => ({
    definitionPath: component.definitionPath,
    componentPath: component.path,
    args: {},
    childComponents: Object.fromEntries(
      [...component.children].map(([name, path]) => [name, checked(modules.components.get(path)!)]),
    ),
    httpRoutes: { httpModuleRoutes: null, mounts: [] },
    exports: {},
  });
  return {
    environmentVariables: {},
    externalDepsId: null,
    componentDefinitionPackages: {},
    appAuth: [],
    analysis,
    app: checked(modules.components.get("")!),
    schemaChange: { allocatedComponentIds: {}, schemaIds: {} },
  };
}

/** Answers the CLI's `get_config_hashes` and `deploy2/start_push` (admins only); false for other requests. */
export class CodegenEndpoints {
  constructor(
    /** Analyses the project's current sources (without touching what runs). */
    private readonly analyse: () => Promise<LoadedModules>,
    private readonly isAdmin: (authorization: string | undefined) => boolean,
    private readonly serverVersion: string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/api/get_config_hashes" && path !== "/api/deploy2/start_push") return false;
    // The body (the pushed bundles) is not needed: the sources are analysed here.
    req.resume();
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") {
      send(405, { code: "MethodNotAllowed", message: `Use POST for ${path}` });
      return true;
    }
    if (!this.isAdmin(req.headers.authorization)) {
      send(401, { code: "BadAdminKey", message: "The provided admin key was invalid for this instance" });
      return true;
    }
    if (path === "/api/get_config_hashes") {
      send(200, {
        config: { functions: "convex/", authInfo: [] },
        moduleHashes: [],
        nodeDependencies: [],
        udfServerVersion: null,
      });
      return true;
    }
    try {
      send(200, startPushResponse(await this.analyse(), this.serverVersion));
    } catch (error) {
      send(400, { code: "AnalysisFailed", message: error instanceof Error ? error.message : String(error) });
    }
    return true;
  }
}

/** A loader for analyses alone: each `analyse()` bundles the sources afresh and stops the worker it used. */
export function sourceAnalyser(loader: ModuleLoader): () => Promise<LoadedModules> {
  return async () => {
    const analysed = await loader.load();
    await analysed.worker.terminate();
    return analysed;
  };
}

/**
 * A server answering only the CLI's codegen requests, for `npm run codegen` (scripts/codegen.ts):
 * nothing is loaded until the CLI asks, after it has written `_generated/`'s first stubs.
 */
export async function startCodegenServer(
  functionsDir: string,
  buildRoot: string,
  serverVersion: string,
): Promise<{ url: string; adminKey: string; close(): Promise<void> }> {
  const adminKey = `codegen|${randomBytes(32).toString("hex")}`;
  const endpoints = new CodegenEndpoints(
    sourceAnalyser(new ModuleLoader(functionsDir, buildRoot, "__localBackendCodegenEnv", {}, componentLoader)),
    (authorization) => authorization === `Convex ${adminKey}`,
    serverVersion,
  );
  const server = createServer((req, res) => {
    void endpoints.handle(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ code: "NotFound", message: `Only the CLI's codegen requests are served here, not ${req.url}` }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    adminKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
