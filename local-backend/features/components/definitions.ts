/**
 * The component definitions an app installs, found as the Convex CLI finds them
 * (convex/src/cli/lib/components/definition/bundle.ts): starting from `convex/convex.config.ts`,
 * every import of a `convex.config` file whose directory holds a `convex.config.ts` or `.js` is
 * a component definition, and its directory holds its functions. Each `convex.config` is bundled
 * on its own with those imports replaced, as Convex replaces them when it evaluates definitions
 * (`_componentDeps/…`, crates/isolate/src/environment/component_definitions.rs), by what the
 * evaluated child definition is to `use()`: `{ componentDefinitionPath, defaultName }`.
 * Nothing of the developer's runs here: the bundles are evaluated in a function worker.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, extname, join, posix, relative, sep } from "node:path";
import { build, type Plugin } from "esbuild";
import { processEnvDefines, type ComponentPlan } from "../../runtime/modules";

/** The global through which a bundled `convex.config` receives an evaluated child (set by the worker). */
const DEFINITION_GLOBAL = 'globalThis[Symbol.for("convex.localBackend.componentDefinition")]';
const COMPONENT_NAMESPACE = "convex-component-definition";

/** The app's or a component's `convex.config.ts` (or `.js`) in `dir`, if it has one. */
export function definitionFile(dir: string): string | null {
  for (const name of ["convex.config.ts", "convex.config.js"]) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** A definition's path as Convex names it: its directory relative to the app's `convex/`, with `/`. */
function definitionPath(functionsDir: string, dir: string): string {
  return relative(functionsDir, dir).split(sep).join(posix.sep);
}

/**
 * Replaces each import of a component's `convex.config` with the evaluated definition, and
 * records which definitions the bundled file imports.
 */
function componentImports(functionsDir: string, children: Map<string, string>): Plugin {
  return {
    name: "local-backend-component-imports",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /convex\.config/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === "resolving") return undefined;
        // As the CLI does: `x/convex.config` may name a .js or a .ts file.
        const candidates = [args.path];
        const ext = extname(args.path);
        if (ext === ".js") candidates.push(`${args.path.slice(0, -3)}.ts`);
        if (ext !== ".js" && ext !== ".ts") candidates.push(`${args.path}.js`, `${args.path}.ts`);
        for (const candidate of candidates) {
          const result = await pluginBuild.resolve(candidate, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            pluginData: "resolving",
          });
          if (result.errors.length > 0 || !result.path) continue;
          const dir = dirname(result.path);
          if (definitionFile(dir) === null) return undefined;
          const path = definitionPath(functionsDir, dir);
          children.set(path, dir);
          return { path, namespace: COMPONENT_NAMESPACE };
        }
        return undefined;
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: COMPONENT_NAMESPACE }, (args) => ({
        contents: `export default ${DEFINITION_GLOBAL}(${JSON.stringify(args.path)});`,
        loader: "js",
      }));
    },
  };
}

/** Bundles one `convex.config` to `outfile`; returns the definitions it imports (path → directory). */
async function bundleConfig(
  functionsDir: string,
  file: string,
  outfile: string,
  envGlobal: string,
): Promise<Map<string, string>> {
  const children = new Map<string, string>();
  await build({
    entryPoints: [file],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // As the CLI resolves a definition's imports (npm components may point "convex" at their sources).
    conditions: ["convex", "module"],
    outfile,
    keepNames: true,
    logLevel: "silent",
    plugins: [componentImports(functionsDir, children)],
    define: processEnvDefines(envGlobal),
  });
  return children;
}

/**
 * The definitions `convex.config.ts` in `functionsDir` installs (directly or through other
 * components), each `convex.config` bundled into `outdir`, in the order Convex evaluates them:
 * children before their parents, the app last. Null when the app has no `convex.config`.
 */
export async function planComponents(functionsDir: string, outdir: string, envGlobal: string): Promise<ComponentPlan | null> {
  const appConfig = definitionFile(functionsDir);
  if (appConfig === null) return null;
  await mkdir(outdir, { recursive: true });
  const dirs = new Map<string, string>([["", functionsDir]]);
  const bundles = new Map<string, string>();
  const edges = new Map<string, string[]>();
  let level = [""];
  while (level.length > 0) {
    const next: string[] = [];
    await Promise.all(
      level.map(async (path) => {
        const outfile = join(outdir, `${bundles.size}.mjs`);
        bundles.set(path, outfile);
        const children = await bundleConfig(functionsDir, definitionFile(dirs.get(path)!)!, outfile, envGlobal);
        edges.set(path, [...children.keys()]);
        for (const [child, dir] of children) {
          if (dirs.has(child)) continue;
          dirs.set(child, dir);
          next.push(child);
        }
      }),
    );
    level = next;
  }
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (path: string, inProgress: Set<string>): void => {
    if (done.has(path)) return;
    // Convex's refusal (component_definitions.rs, `evaluate`).
    if (inProgress.has(path)) throw new Error("CyclicImport: Found cyclic definition dependency");
    inProgress.add(path);
    for (const child of edges.get(path) ?? []) visit(child, inProgress);
    inProgress.delete(path);
    done.add(path);
    order.push(path);
  };
  visit("", new Set());
  return {
    definitions: order.filter((path) => path !== "").map((path) => ({ path, dir: dirs.get(path)! })),
    configs: order.map((path) => ({ definitionPath: path, file: bundles.get(path)! })),
  };
}
