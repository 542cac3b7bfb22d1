/**
 * Issue 11.4: a function that never yields (a CPU loop, or an async loop that only awaits
 * syscalls) must not hang the backend. Function code runs in a worker that is terminated on
 * timeout; the call fails with Convex's timeout error, the backend keeps answering meanwhile,
 * and the next query runs normally.
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../backend/fixtures/convex/_generated/api";
import { startTestBackend, type TestBackend } from "../backend/helpers";

// Long enough that the backend is asked for /version while the runaway still runs.
const TIMEOUT_MS = 3000;

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend({ transactionTimeoutMs: TIMEOUT_MS });
});
afterAll(async () => {
  await backend.destroy();
});

/**
 * Starts `call`, and while it is still running asks for /version: the backend must answer
 * before the runaway is stopped, and the runaway must fail with the timeout error.
 */
async function staysResponsiveWhile(call: () => Promise<unknown>): Promise<void> {
  let settled = false;
  const runaway = call().finally(() => {
    settled = true;
  });
  runaway.catch(() => undefined);
  // Give the request time to reach the function (not an assertion on speed).
  await new Promise((r) => setTimeout(r, 300));
  const version = await fetch(`${backend.url}/version`);
  expect(version.status).toBe(200);
  expect(settled).toBe(false);
  await expect(runaway).rejects.toThrow(/Function execution timed out \(maximum duration: 3s\)/);
}

describe("a function that never yields", () => {
  const http = () => new ConvexHttpClient(backend.url);

  it("CPU loop in a query, over HTTP", async () => {
    await staysResponsiveWhile(() => http().query(api.runaway.spinQuery, {}));
    expect(await http().query(api.runaway.fine, {})).toEqual([]);
  });

  it("syscall loop in a query, over HTTP", async () => {
    await staysResponsiveWhile(() => http().query(api.runaway.syscallLoopQuery, {}));
    expect(await http().query(api.runaway.fine, {})).toEqual([]);
  });

  it("CPU loop in a mutation, over the WebSocket: rolled back", async () => {
    const client = new ConvexClient(backend.url);
    try {
      await staysResponsiveWhile(() => client.mutation(api.runaway.spinMutation, {}));
      expect(await client.query(api.runaway.fine, {})).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("syscall loop that swallows its errors in a mutation, over the WebSocket: rolled back", async () => {
    const client = new ConvexClient(backend.url);
    try {
      await staysResponsiveWhile(() => client.mutation(api.runaway.stubbornSyscallLoopMutation, {}));
      expect(await client.query(api.runaway.fine, {})).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("CPU loop in a query subscribed over the WebSocket", async () => {
    const client = new ConvexClient(backend.url);
    try {
      await staysResponsiveWhile(() => client.query(api.runaway.spinQuery, {}));
      expect(await client.query(api.runaway.fine, {})).toEqual([]);
      // Over HTTP too, after the worker was replaced.
      expect(await http().query(api.runaway.fine, {})).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
