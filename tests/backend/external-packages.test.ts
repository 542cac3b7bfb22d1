/**
 * `convex.json`'s `node.externalPackages`, as the Convex CLI applies it: in "use node" modules a
 * listed package is loaded from the project's node_modules at run time instead of being bundled
 * (packages that cannot be bundled, such as ones reading files beside their own code, need it);
 * everything else, and every package in Convex's own runtime, is bundled.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBackend, type TestBackend } from "./helpers";

// Inside the project (git-ignored .local/) so `convex/server` resolves from the repository's node_modules.
const LOCAL = fileURLToPath(new URL("../../.local", import.meta.url));
let root: string;
let backend: TestBackend;

/** A package whose only export is the file it was loaded from ("bundled" inside a bundle, which has no __filename). */
async function writePackage(name: string): Promise<void> {
  const dir = join(root, "node_modules", name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", main: "index.cjs" }));
  await writeFile(join(dir, "index.cjs"), 'exports.loadedFrom = typeof __filename === "string" ? __filename : "bundled";\n');
}

const where = (runtime: string) =>
  `import { actionGeneric } from "convex/server";
import { loadedFrom as external } from "kept-external";
import { loadedFrom as bundled } from "always-bundled";
export const files = actionGeneric({ args: {}, handler: async () => ({ runtime: "${runtime}", external, bundled }) });
`;

beforeAll(async () => {
  await mkdir(LOCAL, { recursive: true });
  root = await mkdtemp(join(LOCAL, "external-packages-"));
  await writePackage("kept-external");
  await writePackage("always-bundled");
  await writeFile(
    join(root, "package.json"),
    JSON.stringify({ name: "app", private: true, dependencies: { "kept-external": "1.0.0", "always-bundled": "1.0.0" } }),
  );
  await writeFile(join(root, "convex.json"), JSON.stringify({ node: { externalPackages: ["kept-external"] } }));
  await mkdir(join(root, "convex"));
  await writeFile(join(root, "convex", "inNode.ts"), `"use node";\n${where("node")}`);
  await writeFile(join(root, "convex", "inConvex.ts"), where("convex"));
  backend = await startTestBackend({ functionsDir: join(root, "convex"), dataDir: join(root, "data") });
});
afterAll(async () => {
  await backend?.destroy();
  await rm(root, { recursive: true, force: true });
});

type Files = { runtime: string; external: string; bundled: string };
const files = (module: string) => makeFunctionReference<"action", Record<string, never>, Files>(`${module}:files`);

describe("node.externalPackages", () => {
  it('loads a listed package from node_modules in a "use node" module, and bundles the others', async () => {
    const client = new ConvexHttpClient(backend.url);
    const result = await client.action(files("inNode"), {});
    expect(result.external).toBe(join(root, "node_modules", "kept-external", "index.cjs"));
    expect(result.bundled).toBe("bundled");
  });

  it("bundles every package in Convex's own runtime", async () => {
    const client = new ConvexHttpClient(backend.url);
    const result = await client.action(files("inConvex"), {});
    expect(result.runtime).toBe("convex");
    expect(result.external).toBe("bundled");
  });
});
