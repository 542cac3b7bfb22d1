/**
 * `convex.json`'s `node.externalPackages`, as the Convex CLI applies it (bundler/external.ts):
 * in the bundle of the "use node" modules, a package the project's package.json lists, that the
 * allow-list names (or `"*"`), and that resolves to the project's own node_modules, is not
 * bundled but loaded at run time. Convex installs those packages on its servers; here they are
 * imported from the project's node_modules, by absolute path since the build lives elsewhere.
 * `convex` itself, and `file:` or URL dependencies, are always bundled, as the CLI bundles them.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Plugin } from "esbuild";

/** The nearest package.json at or above `dir`, as the CLI finds the project's (`findParentConfigs`). */
function findPackageJson(dir: string): string | null {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, "package.json");
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return null;
  }
}

/** A package's name and its folder under node_modules, from an import path (`@a/b/c` → `@a/b`). */
function packageOf(importPath: string): { name: string; dir: string } {
  const parts = importPath.split("/");
  const name = importPath.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  return { name, dir: join(...name.split("/")) };
}

function shouldMarkExternal(name: string, version: string, allowList: readonly string[]): boolean {
  if (name === "convex") return false;
  if (/^(file:|git\+file:\/\/|https?:\/\/|git:\/\/|git\+ssh:\/\/|git\+https?:\/\/)/.test(version)) return false;
  return allowList.includes(name) || allowList.includes("*");
}

/** Each external package's name → its directory in the project's node_modules. */
export function externalPackages(functionsDir: string): Map<string, string> {
  const packageJsonPath = findPackageJson(functionsDir);
  const out = new Map<string, string>();
  if (!packageJsonPath) return out;
  const root = dirname(packageJsonPath);
  const convexJsonPath = join(root, "convex.json");
  if (!existsSync(convexJsonPath)) return out;
  const convexJson = JSON.parse(readFileSync(convexJsonPath, "utf8")) as { node?: { externalPackages?: unknown } };
  const allowList = convexJson.node?.externalPackages;
  if (!Array.isArray(allowList) || allowList.length === 0) return out;
  const names = allowList.filter((entry): entry is string => typeof entry === "string");
  const packageJson = JSON.parse(readFileSync(packageJsonPath, "utf8")) as Record<string, unknown>;
  for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
    const deps = packageJson[field];
    if (typeof deps !== "object" || deps === null) continue;
    for (const [name, version] of Object.entries(deps)) {
      if (out.has(name) || typeof version !== "string" || !shouldMarkExternal(name, version, names)) continue;
      const dir = join(root, "node_modules", packageOf(name).dir);
      if (existsSync(dir)) out.set(name, dir);
    }
  }
  return out;
}

/** The node_modules folder `dir` would load `packageDir` from (Node's lookup upward), or null. */
function nodeModulesResolution(packageDir: string, resolveDir: string): string | null {
  for (let current = resolveDir; ; current = dirname(current)) {
    const candidate = join(current, "node_modules", packageDir);
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return null;
  }
}

/**
 * esbuild plugin: an import of an external package is left to run time, pointed at the file
 * esbuild would have bundled (resolved with the same conditions for the same kind of import).
 */
export function externalPackagesPlugin(packages: Map<string, string>): Plugin {
  const skip = Symbol("resolving an external package");
  return {
    name: "convex-external-packages",
    setup(build) {
      build.onResolve({ filter: /^[^./]/, namespace: "file" }, async (args) => {
        if (args.pluginData === skip || args.path.startsWith("node:")) return null;
        const { name, dir } = packageOf(args.path);
        const expected = packages.get(name);
        if (!expected || nodeModulesResolution(dir, args.resolveDir) !== expected) return null;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: skip });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, external: true };
      });
    },
  };
}
