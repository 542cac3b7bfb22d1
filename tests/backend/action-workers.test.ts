/**
 * Actions and HTTP actions run on warm, reused workers, as Convex reuses its isolates, and
 * nothing of one action reaches the next one on the same worker: in Convex an action's context
 * is discarded when it ends, so its timers never fire and its pending promises never resume
 * later. A worker is not reused when something of its action may still run (a crash, a
 * timeout, a server left listening, a throw from work left behind) or its heap grew too far.
 * Each fixture action returns its module's mark: the same mark, the same worker.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import {
  copyFunctions,
  FIXTURE_FUNCTIONS,
  ISSUER,
  makeKeys,
  signToken,
  startTestBackend,
  waitFor,
  type TestBackend,
  type TestKeys,
} from "./helpers";

let backend: TestBackend;
let http: ConvexHttpClient;
let keys: TestKeys;
let functionsDir: string;
let removeFunctions: () => Promise<void>;

beforeAll(async () => {
  ({ functionsDir, remove: removeFunctions } = await copyFunctions(FIXTURE_FUNCTIONS));
  keys = await makeKeys();
  backend = await startTestBackend({
    functionsDir,
    watch: true,
    actionTimeoutMs: 2000,
    env: { TEST_ISSUER: ISSUER, TEST_JWKS: keys.jwksDataUri },
  });
  http = new ConvexHttpClient(backend.url);
});
afterAll(async () => {
  await backend.destroy();
  await removeFunctions();
});

/**
 * An HTTP action's mark. Its client has the whole response (its Content-Length reached) a moment
 * before the worker is back in its pool, so this waits that moment for the next call to find it there.
 */
async function siteMark(query = ""): Promise<number> {
  const response = await fetch(`${backend.siteUrl}/warm${query}`);
  expect(response.status).toBe(200);
  const mark = Number(await response.text());
  await pause();
  return mark;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("warm action workers", () => {
  it("run one action after another, and HTTP actions, on the same worker", async () => {
    const first = await http.action(api.warmWorkers.mark, {});
    expect(await http.action(api.warmWorkers.mark, {})).toBe(first);
    expect(await siteMark()).toBe(first);
    expect(await siteMark()).toBe(first);
  });

  it("give actions running at the same time workers of their own", async () => {
    const marks = await Promise.all([1, 2, 3].map(() => http.action(api.warmWorkers.tracesAfter, { ms: 200 })));
    expect(new Set(marks.map((m) => m.mark)).size).toBe(3);
  });
});

describe("what an action leaves behind never runs in the next one", () => {
  it("its timeouts, intervals and immediates are cleared when it ends", async () => {
    const left = await http.action(api.warmWorkers.leaveTimers, {});
    const next = await http.action(api.warmWorkers.tracesAfter, { ms: 150 });
    expect(next.mark).toBe(left);
    expect(next.traces).toEqual([]);
  });

  it("an HTTP action's timers too", async () => {
    const left = await siteMark("?leave");
    const next = await http.action(api.warmWorkers.tracesAfter, { ms: 150 });
    expect(next.mark).toBe(left);
    expect(next.traces).toEqual([]);
  });

  it("a syscall it did not await is never answered to it", async () => {
    const left = await http.action(api.warmWorkers.leaveSyscall, {});
    const next = await http.action(api.warmWorkers.tracesAfter, { ms: 150 });
    expect(next.mark).toBe(left);
    expect(next.traces).toEqual([]);
  });

  it("a throw from work it left behind fails neither it nor the next action, and that worker is not reused", async () => {
    const left = await http.action(api.warmWorkers.leaveThrowingWork, {});
    const next = await http.action(api.warmWorkers.tracesAfter, { ms: 500 });
    const after = await http.action(api.warmWorkers.mark, {});
    expect(after).not.toBe(left);
    if (next.mark === left) expect(next.traces).toEqual(["the digest's callback"]);
  });

  // What shows only after the action's result (the rejection, the server once listening) may
  // find the next action already sent to the worker: that one runs, and the worker goes after it.
  it("a rejection nobody handled after it returned retires its worker", async () => {
    const left = await http.action(api.warmWorkers.leaveRejection, {});
    await http.action(api.warmWorkers.mark, {});
    expect(await http.action(api.warmWorkers.mark, {})).not.toBe(left);
  });

  it("something still active (a server listening) retires its worker", async () => {
    const left = await http.action(api.warmWorkers.leaveServer, {});
    await http.action(api.warmWorkers.mark, {});
    expect(await http.action(api.warmWorkers.mark, {})).not.toBe(left);
  });
});

describe("a worker is reused", () => {
  it("after its action fetched (once fetch()'s socket is back in its pool)", async () => {
    const fetched = await http.action(api.warmWorkers.fetchSite, {});
    expect(fetched.body).toBe("hello");
    // Whether the worker can be reused follows the result a moment later.
    await pause();
    expect(await http.action(api.warmWorkers.mark, {})).toBe(fetched.mark);
  });
});

describe("each call has its own", () => {
  it("process.env: what an action sets is gone in the next", async () => {
    const set = await http.action(api.warmWorkers.setEnv, { value: "set by an earlier action" });
    expect(set.value).toBe("set by an earlier action");
    const next = await http.action(api.warmWorkers.readEnv, {});
    expect(next.mark).toBe(set.mark);
    expect(next.value).toBeNull();
  });

  it("identity", async () => {
    const alice = new ConvexHttpClient(backend.url, { auth: await signToken(keys, "alice") });
    const withIdentity = await alice.action(api.warmWorkers.identity, {});
    expect(withIdentity.subject).toBe("alice");
    const anonymous = await http.action(api.warmWorkers.identity, {});
    expect(anonymous).toEqual({ mark: withIdentity.mark, subject: null });
  });
});

describe("a worker is not reused", () => {
  // The most recently used worker runs the next action: the one that ran `before`.
  it("after its action timed out", async () => {
    const before = await http.action(api.warmWorkers.mark, {});
    await expect(http.action(api.warmWorkers.neverSettles, {})).rejects.toThrow(/execution timed out/);
    expect(await http.action(api.warmWorkers.mark, {})).not.toBe(before);
  });

  it("after an exception nothing caught failed its action", async () => {
    const before = await http.action(api.warmWorkers.mark, {});
    await expect(http.action(api.runaway.throwInTimer, {})).rejects.toThrow(/Uncaught Error: thrown in a timer/);
    expect(await http.action(api.warmWorkers.mark, {})).not.toBe(before);
  });

  it("once its heap grew past half its limit", async () => {
    const big = await http.action(api.warmWorkers.retainMemory, {});
    expect(await http.action(api.warmWorkers.mark, {})).not.toBe(big);
  });
});

describe("a change to convex/", () => {
  it("reaches actions once reloaded: no warm worker keeps the old code", async () => {
    const answer = makeFunctionReference<"action", Record<string, never>, number>("reloaded:answer");
    const write = (value: number) =>
      writeFile(
        join(functionsDir, "reloaded.ts"),
        `import { action } from "./_generated/server";\nexport const answer = action({ args: {}, handler: async () => ${value} });\n`,
      );
    await write(1);
    await waitFor(async () => (await http.action(answer, {}).catch(() => null)) === 1, 10_000, "the first version");
    await write(2);
    await waitFor(async () => (await http.action(answer, {}).catch(() => null)) === 2, 10_000, "the second version");
    expect(await http.action(answer, {})).toBe(2);
  });
});
