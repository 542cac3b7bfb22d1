import { rm } from "node:fs/promises";
import { ConvexHttpClient } from "convex/browser";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { RawSyncClient } from "./raw-sync";
import { spawnBackend, startTestBackend, tempDir, type TestBackend } from "./helpers";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function queryTs(url: string): Promise<bigint> {
  const res = await fetch(`${url}/api/query_ts`, { method: "POST" });
  return BigInt(((await res.json()) as { ts: string }).ts);
}

describe("persistence", () => {
  it("keeps acknowledged mutations and monotonic timestamps across a clean restart", async () => {
    const dataDir = await tempDir();
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    let backend: TestBackend = await startTestBackend({ dataDir });
    let client = new ConvexHttpClient(backend.url);
    const id = await client.mutation(api.contacts.add, { owner: "restart", name: "Kept", email: "k@x" });
    await client.mutation(api.contacts.rename, { id, name: "Kept2" });
    const tsBefore = await queryTs(backend.url);
    const adminKey = backend.adminKey;
    await backend.close();

    backend = await startTestBackend({ dataDir });
    cleanup.push(() => backend.close());
    client = new ConvexHttpClient(backend.url);
    expect(backend.adminKey).toBe(adminKey);
    expect(await client.query(api.contacts.get, { id })).toMatchObject({ name: "Kept2" });
    expect(await queryTs(backend.url)).toBe(tsBefore);
    await client.mutation(api.contacts.add, { owner: "restart", name: "New", email: "n@x" });
    expect(await queryTs(backend.url)).toBeGreaterThan(tsBefore);
    // Ids of new documents stay in the same table.
    const names = (await client.query(api.contacts.listByOwner, { owner: "restart" })).map((c) => c.name);
    expect(names).toEqual(["New", "Kept2"]);
  });

  it("answers a mutation retried after a restart from its recorded response instead of re-running it", async () => {
    const dataDir = await tempDir();
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const sessionId = crypto.randomUUID();
    const mutation = {
      type: "Mutation",
      requestId: 3,
      udfPath: "contacts:add",
      args: [{ owner: "retry", name: "Once", email: "o@x" }],
    };
    let backend: TestBackend = await startTestBackend({ dataDir });
    const first = await RawSyncClient.open(backend.url, sessionId);
    first.send(mutation);
    const response = await first.next((m) => m.type === "MutationResponse");
    first.close();
    await backend.close();

    backend = await startTestBackend({ dataDir });
    cleanup.push(() => backend.close());
    const again = await RawSyncClient.open(backend.url, sessionId);
    again.send(mutation);
    expect(await again.next((m) => m.type === "MutationResponse")).toEqual(response);
    again.close();
    expect(await new ConvexHttpClient(backend.url).query(api.contacts.listByOwner, { owner: "retry" })).toHaveLength(1);
  });

  it("survives kill -9: every acknowledged mutation is there, no transaction is half-applied", async () => {
    const dataDir = await tempDir();
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { url, kill9 } = await spawnBackend(dataDir);
    cleanup.push(kill9);
    const client = new ConvexHttpClient(url);
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      await client.mutation(api.contacts.addMany, { owner: "k9", names: [`a${i}`, `b${i}`, `c${i}`] });
      acknowledged.push(`a${i}`, `b${i}`, `c${i}`);
    }
    // Mutations in flight when the process dies: each must be all-or-nothing.
    const inFlight = Array.from({ length: 30 }, (_, i) =>
      fetch(`${url}/api/mutation`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          path: "contacts:addMany",
          format: "convex_encoded_json",
          args: [{ owner: "k9", names: [`x${i}`, `y${i}`, `z${i}`] }],
        }),
      }).then(
        (r) => (r.ok ? i : null),
        () => null,
      ),
    );
    await new Promise((r) => setTimeout(r, 15));
    const killed = kill9();
    const ackedInFlight = (await Promise.all(inFlight)).filter((i): i is number => i !== null);
    await killed;

    const backend = await startTestBackend({ dataDir });
    cleanup.push(() => backend.close());
    const after = new ConvexHttpClient(backend.url);
    const names = new Set((await after.query(api.contacts.listByOwner, { owner: "k9" })).map((c) => c.name));
    for (const n of acknowledged) expect(names.has(n)).toBe(true);
    for (const i of ackedInFlight) expect(names.has(`x${i}`)).toBe(true);
    for (let i = 0; i < 30; i++) {
      const present = [`x${i}`, `y${i}`, `z${i}`].map((n) => names.has(n));
      expect(new Set(present).size).toBe(1);
    }
    // And it keeps working on the recovered data.
    await after.mutation(api.contacts.add, { owner: "k9", name: "after", email: "a@x" });
  });
});
