/**
 * One-way imports (bulletproof-react): routes → features → shared code, never the reverse.
 * Checked on the source text, so a stray import fails here before it tangles the graph.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === "node_modules" || entry === "_generated") return [];
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry) && !entry.endsWith(".gen.ts") ? [path] : [];
  });
}

/** Relative imports of a file, resolved to repository paths. */
function relativeImports(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)]
    .map((match) => match[1] ?? match[2])
    .filter((spec): spec is string => spec !== undefined && spec.startsWith("."));
  return specifiers.map((spec) => relative(root, resolve(root, dirname(file), spec)));
}

function violations(fromDir: string, forbidden: (target: string, file: string) => boolean): string[] {
  return sourceFiles(fromDir).flatMap((file) =>
    relativeImports(file)
      .filter((target) => forbidden(target, file))
      .map((target) => `${file} imports ${target}`),
  );
}

describe("import boundaries", () => {
  it("finds the files it checks", () => {
    expect(sourceFiles("app").length).toBeGreaterThan(3);
    expect(relativeImports("app/router.tsx")).toContain("app/routeTree.gen");
  });

  it("shared code (app/lib, app/components) never imports features or routes", () => {
    const shared = ["app/lib", "app/components"].flatMap((dir) =>
      violations(dir, (target) => target.startsWith("app/features/") || target.startsWith("app/routes/")),
    );
    expect(shared).toEqual([]);
  });

  it("features never import routes or another feature", () => {
    const found = violations("app/features", (target, file) => {
      if (target.startsWith("app/routes/")) return true;
      const [, , ownFeature] = file.split("/");
      const [, , targetFeature] = target.split("/");
      return target.startsWith("app/features/") && targetFeature !== ownFeature;
    });
    expect(found).toEqual([]);
  });

  it("convex/ functions depend on nothing outside convex/", () => {
    expect(violations("convex", (target) => !target.startsWith("convex/"))).toEqual([]);
  });

  it("the app never reaches into the local backend, which is only one possible deployment", () => {
    expect(violations("app", (target) => target.startsWith("local-backend/"))).toEqual([]);
  });

  it("the local backend's modules import each other without cycles (the scheduler needs an interface, not the runtime)", () => {
    const files = sourceFiles("local-backend").map((f) => f.replace(/\.ts$/, ""));
    const graph = new Map(files.map((f) => [f, relativeImports(`${f}.ts`).filter((t) => files.includes(t))]));
    expect(graph.get("local-backend/runtime/runtime")).toContain("local-backend/runtime/scheduler");
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (path.includes(file)) {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("the local backend's layers import only the layers below them", () => {
    // Bottom to top; index.ts and main.ts at the top level put the layers together.
    const layers = ["database", "runtime", "protocol", "features"];
    const layerOf = (path: string): number => layers.indexOf(path.split("/")[1] ?? "");
    const files = sourceFiles("local-backend");
    expect(files.filter((file) => layerOf(file) < 0 && !/^local-backend\/(index|main)\.ts$/.test(file))).toEqual([]);
    const found = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => target.startsWith("local-backend/"))
        .filter((target) => layerOf(file) >= 0 && (layerOf(target) < 0 || layerOf(target) > layerOf(file)))
        .map((target) => `${file} imports ${target}`),
    );
    expect(found).toEqual([]);
  });
});
