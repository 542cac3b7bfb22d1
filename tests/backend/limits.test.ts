import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { startTestBackend, type TestBackend } from "./helpers";

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend({ transactionTimeoutMs: 300 });
});
afterAll(async () => {
  await backend.destroy();
});

describe("limits", () => {
  it("refuses database calls a mutation makes after it returned", async () => {
    const client = new ConvexHttpClient(backend.url);
    expect(await client.mutation(api.jobs.floatingWrite, {})).toBe("returned");
    await new Promise((r) => setTimeout(r, 100));
    expect(await client.query(api.jobs.logs, {})).not.toContain("floating");
  });

  it("times out a mutation that never finishes, rolls it back, and keeps serving", async () => {
    const client = new ConvexHttpClient(backend.url);
    await expect(client.mutation(api.jobs.hang, {})).rejects.toThrow(/timed out/);
    expect(await client.query(api.jobs.logs, {})).not.toContain("from a hung mutation");
    await client.mutation(api.contacts.add, { owner: "after-hang", name: "Ok", email: "o@x" });
    expect(await client.query(api.contacts.listByOwner, { owner: "after-hang" })).toHaveLength(1);
  });
});
