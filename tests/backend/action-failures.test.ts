/**
 * An action fails alone (issue 12, items 2 and 5; issue 21, item 6): an exception thrown
 * asynchronously inside it (in a timer, or an `'error'` event nobody listens to) fails that
 * action as Convex reports an uncaught error, in its own runtime ("Uncaught Error: …") or its
 * Node runtime ("Uncaught uncaughtException: …"), and an action that never finishes fails with
 * that runtime's timeout error after the action time limit (30 minutes in Convex's runtime, 10
 * for "use node"; short here). Other actions, open subscriptions and the backend go on.
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ACTION_MS, MAX_NODE_ACTION_MS, rustDuration } from "../../local-backend/runtime/runtime";
import { api } from "./fixtures/convex/_generated/api";
import { startTestBackend, waitFor, type TestBackend } from "./helpers";

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend({ actionTimeoutMs: 1000 });
});
afterAll(async () => {
  await backend.destroy();
});

async function stillServes(): Promise<void> {
  expect((await fetch(`${backend.url}/version`)).status).toBe(200);
  expect(await new ConvexHttpClient(backend.url).query(api.runaway.fine, {})).toBeInstanceOf(Array);
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

describe('an action in Convex\'s Node runtime ("use node")', () => {
  it("fails with the Node runtime's uncaughtException wording when a timer callback throws", async () => {
    const http = new ConvexHttpClient(backend.url);
    await expect(http.action(api.nodeRunaway.throwInTimer, {})).rejects.toThrow(
      /Server Error\nUncaught uncaughtException: thrown in a timer\n/,
    );
    await stillServes();
  });

  it("fails the same way on an 'error' event without a listener, and names an unhandled rejection", async () => {
    const client = new ConvexClient(backend.url);
    try {
      await expect(client.action(api.nodeRunaway.errorEvent, {})).rejects.toThrow(
        /Uncaught uncaughtException: unhandled error event/,
      );
      await expect(client.action(api.nodeRunaway.unhandledRejection, {})).rejects.toThrow(
        /Uncaught unhandledRejection: rejected in a timer/,
      );
    } finally {
      await client.close();
    }
    await stillServes();
  });

  it("fails nothing else: an action running beside it finishes, an open subscription keeps updating", async () => {
    const client = new ConvexClient(backend.url);
    try {
      const seen: string[][] = [];
      const unsubscribe = client.onUpdate(api.runaway.fine, {}, (messages) => seen.push(messages));
      await waitFor(() => seen.length > 0, 10_000, "the subscription's first result");
      const other = client.action(api.runaway.slowAdd, { a: 1, b: 1 });
      await expect(client.action(api.nodeRunaway.throwInTimer, {})).rejects.toThrow(/uncaughtException/);
      expect(await other).toBe(2);
      await new ConvexHttpClient(backend.url).mutation(api.runaway.note, { message: "after the crash" });
      await waitFor(() => seen.at(-1)?.includes("after the crash"), 10_000, "the subscription to update");
      unsubscribe();
    } finally {
      await client.close();
    }
  });

  it("times out with the Node runtime's wording after the action time limit", async () => {
    const http = new ConvexHttpClient(backend.url);
    await expect(http.action(api.nodeRunaway.neverSettles, {})).rejects.toThrow(
      /Server Error\nAction `neverSettles` execution timed out \(maximum duration 1s\)\n/,
    );
    await stillServes();
  });
});

describe("action time limits", () => {
  it("are Convex's: 30 minutes in its runtime, 10 in its Node runtime", () => {
    expect(MAX_ACTION_MS).toBe(30 * 60_000);
    expect(MAX_NODE_ACTION_MS).toBe(10 * 60_000);
  });

  it("are written as Rust writes a Duration in Convex's timeout error", () => {
    expect(rustDuration(MAX_ACTION_MS)).toBe("1800s");
    expect(rustDuration(1500)).toBe("1.5s");
    expect(rustDuration(500)).toBe("500ms");
  });
});
