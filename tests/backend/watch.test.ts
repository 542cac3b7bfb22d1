import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, describe, expect, it } from "vitest";
import { RawSyncClient } from "./raw-sync";
import { copyFunctions, FIXTURE_FUNCTIONS, startTestBackend, waitFor, type TestBackend } from "./helpers";

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe("watch mode", () => {
  it("reloads functions when a file in the functions directory changes", async () => {
    const { functionsDir, remove } = await copyFunctions(FIXTURE_FUNCTIONS);
    cleanup.push(remove);
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

    // A subscription re-runs against the changed code.
    const raw = await RawSyncClient.open(backend.url);
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 1, udfPath: "added:answer", args: [{}] }],
    });
    const t1 = await raw.next((m) => m.type === "Transition");
    expect((t1.modifications as { value: unknown }[])[0]!.value).toBe(42);
    await writeFile(
      join(functionsDir, "added.ts"),
      `import { query } from "./_generated/server";\nexport const answer = query({ args: {}, handler: async () => 43 });\n`,
    );
    const t2 = await raw.next((m) => m.type === "Transition" && (m.modifications as unknown[]).length > 0, 10_000);
    expect((t2.modifications as { value: unknown }[])[0]!.value).toBe(43);
    raw.close();
  });
});
