import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURE_FUNCTIONS, startTestBackend, waitFor, type TestBackend } from "./helpers";

// Inside the project (git-ignored .local/) so the copied functions resolve node_modules.
const LOCAL = fileURLToPath(new URL("../../.local", import.meta.url));
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe("watch mode", () => {
  it("reloads functions when a file in the functions directory changes", async () => {
    await mkdir(LOCAL, { recursive: true });
    const root = await mkdtemp(join(LOCAL, "watch-test-"));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const functionsDir = join(root, "convex");
    await cp(FIXTURE_FUNCTIONS, functionsDir, { recursive: true });
    const backend: TestBackend = await startTestBackend({ functionsDir, watch: true });
    cleanup.push(() => backend.destroy());
    const client = new ConvexHttpClient(backend.url);
    const added = makeFunctionReference<"query">("added:answer");
    await expect(client.query(added, {})).rejects.toThrow(/Could not find public function/);
    await writeFile(
      join(functionsDir, "added.ts"),
      `import { query } from "./_generated/server";\nexport const answer = query({ args: {}, handler: async () => 42 });\n`,
    );
    await waitFor(async () => (await client.query(added, {}).catch(() => null)) === 42, 10_000, "reloaded function");
  });
});
