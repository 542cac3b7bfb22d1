/**
 * An action fails alone (issue 12, items 2 and 5): an exception thrown asynchronously inside
 * it (in a timer, or an `'error'` event nobody listens to) fails that action as Convex reports
 * an uncaught error, and an action that never finishes fails with Convex's timeout error after
 * the action time limit (10 minutes on Convex; short here). The backend keeps serving.
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { startTestBackend, type TestBackend } from "./helpers";

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend({ actionTimeoutMs: 1000 });
});
afterAll(async () => {
  await backend.destroy();
});

async function stillServes(): Promise<void> {
  expect((await fetch(`${backend.url}/version`)).status).toBe(200);
  expect(await new ConvexHttpClient(backend.url).query(api.runaway.fine, {})).toEqual([]);
}

describe("an exception thrown asynchronously in an action", () => {
  it("in a timer callback fails that action with the error", async () => {
    const http = new ConvexHttpClient(backend.url);
    await expect(http.action(api.runaway.throwInTimer, {})).rejects.toThrow(/Server Error\nUncaught Error: thrown in a timer/);
    await stillServes();
  });

  it("an 'error' event without a listener fails that action, over the WebSocket too", async () => {
    const client = new ConvexClient(backend.url);
    try {
      await expect(client.action(api.runaway.errorEvent, {})).rejects.toThrow(/Uncaught Error: unhandled error event/);
    } finally {
      await client.close();
    }
    await stillServes();
  });

  it("does not fail other actions running at the same time", async () => {
    const http = new ConvexHttpClient(backend.url);
    const crashing = http.action(api.runaway.throwInTimer, {});
    const other = http.action(api.runaway.slowAdd, { a: 2, b: 3 });
    await expect(crashing).rejects.toThrow(/thrown in a timer/);
    expect(await other).toBe(5);
  });
});

describe("an action that never finishes", () => {
  it("fails with Convex's timeout error after the action time limit", async () => {
    const http = new ConvexHttpClient(backend.url);
    await expect(http.action(api.runaway.neverSettles, {})).rejects.toThrow(
      /Function execution timed out \(maximum duration: 1s\)/,
    );
    await stillServes();
  });

  it("is stopped even when it never yields, over the WebSocket too", async () => {
    const client = new ConvexClient(backend.url);
    try {
      await expect(client.action(api.runaway.spinAction, {})).rejects.toThrow(
        /Function execution timed out \(maximum duration: 1s\)/,
      );
    } finally {
      await client.close();
    }
    await stillServes();
  });
});
