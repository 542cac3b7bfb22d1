/**
 * Every mutation resolves over the WebSocket, whatever it wrote. The client resolves a successful
 * mutation only once a Transition reaches the response's `ts` (`RequestManager.removeCompleted`
 * runs on Transitions only, node_modules/convex/src/browser/sync/request_manager.ts and
 * client.ts `onMessage`); Convex's sync worker schedules a query update after every mutation
 * response, so a Transition always follows (convex-backend crates/sync/src/worker.rs,
 * `mutation_futures` → `schedule_update`).
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { ConvexReactClient } from "convex/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { startTestBackend, waitFor, type TestBackend } from "./helpers";

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend.destroy();
});

describe("mutations that write nothing", () => {
  it("resolve through ConvexClient: read-only, validate-only and set-to-the-same-value", async () => {
    const id = await new ConvexHttpClient(backend.url).mutation(api.contacts.add, { owner: "noop", name: "Same", email: "s@x" });
    const client = new ConvexClient(backend.url);
    // A subscription first, so the client already holds the latest timestamp when they commit.
    const seen: number[] = [];
    const stop = client.onUpdate(api.contacts.listByOwner, { owner: "noop" }, (docs) => seen.push(docs.length));
    await waitFor(() => seen.length > 0, 5000, "first result");

    expect(await client.mutation(api.fidelity.countContacts, { owner: "noop" })).toBe(1);
    expect(await client.mutation(api.fidelity.double, { n: 21 })).toBe(42);
    expect(await client.mutation(api.fidelity.setName, { id, name: "Same" })).toBe(false);
    // Twice in a row, and a real write after them: the connection is still in step.
    expect(await client.mutation(api.fidelity.countContacts, { owner: "noop" })).toBe(1);
    expect(await client.mutation(api.fidelity.setName, { id, name: "Changed" })).toBe(true);
    expect(await client.query(api.contacts.get, { id })).toMatchObject({ name: "Changed" });
    stop();
    await client.close();
  });

  it("resolve on a fresh connection with no subscription", async () => {
    const client = new ConvexClient(backend.url);
    expect(await client.mutation(api.fidelity.double, { n: 1 })).toBe(2);
    expect(await client.mutation(api.fidelity.double, { n: 2 })).toBe(4);
    await client.close();
  });

  it("resolve through ConvexReactClient (what useMutation calls)", async () => {
    const client = new ConvexReactClient(backend.url);
    expect(await client.mutation(api.fidelity.countContacts, { owner: "nobody" })).toBe(0);
    expect(await client.mutation(api.fidelity.double, { n: 5 })).toBe(10);
    await client.close();
  });
});
