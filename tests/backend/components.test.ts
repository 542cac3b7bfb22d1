/**
 * Convex components (convex.config.ts, `app.use()`), through the real clients: the npm
 * rate limiter and aggregate working, each component instance's tables apart from the app's
 * and from each other's, `components.<name>.*` calls with validation at the boundary, errors,
 * identity and `process.env` as Convex passes them across, nested components, the scheduler
 * and function handles, and `npm run codegen` writing what the CLI writes.
 */
import { cp, mkdtemp, readFile, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConvexClient } from "convex/browser";
import type { FunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../scripts/lib/codegen";
import { api } from "./fixtures/components/convex/_generated/api";
import {
  adminClient,
  COMPONENTS_ENV,
  COMPONENTS_PROJECT,
  componentsBackend,
  serverText,
  startTestBackend,
  waitFor,
} from "./helpers";

const fixture = componentsBackend();

/** What a failed call's error says after the request line. */
async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return serverText(error).replace(/^\[Request ID: [0-9a-f]+\] Server Error\n/, "");
}

/**
 * Subscribes to a query with the WebSocket client for the length of `body`, which gets what
 * the subscriber has seen so far (the first result already in).
 */
async function watching<Query extends FunctionReference<"query">>(
  query: Query,
  args: Query["_args"],
  body: (seen: Query["_returnType"][]) => Promise<void>,
): Promise<void> {
  const live = new ConvexClient(fixture.backend.url);
  const seen: Query["_returnType"][] = [];
  const unsubscribe = live.onUpdate(query, args, (value) => seen.push(value));
  try {
    await waitFor(() => seen.length > 0, 5000, "the first result");
    await body(seen);
  } finally {
    unsubscribe();
    await live.close();
  }
}

describe("the npm components", () => {
  it("the rate limiter lets 3 through in a window, then refuses with a retry time; each key has its own", async () => {
    const { http } = fixture;
    for (let i = 0; i < 3; i++) expect(await http.mutation(api.limits.send, { user: "ada" })).toEqual({ ok: true });
    const refused = (await http.mutation(api.limits.send, { user: "ada" })) as { ok: boolean; retryAfter: number };
    expect(refused.ok).toBe(false);
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.retryAfter).toBeLessThanOrEqual(60_000);
    expect(((await http.query(api.limits.check, { user: "ada" })) as { ok: boolean }).ok).toBe(false);
    expect(await http.mutation(api.limits.send, { user: "grace" })).toEqual({ ok: true });
    await http.mutation(api.limits.reset, { user: "ada" });
    expect(await http.mutation(api.limits.send, { user: "ada" })).toEqual({ ok: true });
  });

  it("the rate limiter's refusal crosses into the app as a ConvexError with its data", async () => {
    const { http } = fixture;
    await http.mutation(api.limits.sendOrThrow, { user: "linus" });
    await http.mutation(api.limits.sendOrThrow, { user: "linus" });
    const error = await http.mutation(api.limits.sendOrThrow, { user: "linus" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ kind: string; name: string }>).data).toMatchObject({ kind: "RateLimited", name: "burst" });
  });

  it("the aggregate's counts follow inserts, deletes and status changes, live for a subscriber", async () => {
    const { http } = fixture;
    await watching(api.notes.count, { status: "open" }, async (seen) => {
      const a = await http.mutation(api.notes.add, { text: "a", status: "open" });
      const b = await http.mutation(api.notes.add, { text: "b", status: "open" });
      await http.mutation(api.notes.add, { text: "c", status: "done" });
      expect(await http.query(api.notes.count, { status: "open" })).toBe(2);
      expect(await http.query(api.notes.count, { status: "done" })).toBe(1);
      await http.mutation(api.notes.setStatus, { id: b, status: "done" });
      await http.mutation(api.notes.remove, { id: a });
      expect(await http.query(api.notes.count, { status: "open" })).toBe(0);
      expect(await http.query(api.notes.count, { status: "done" })).toBe(2);
      await waitFor(() => seen.at(-1) === 0 && seen.includes(2), 5000, "the subscriber to see the counts change");
    });
  });
});

describe("isolation", () => {
  it("each instance has its own tables, apart from the app's table of the same name; nested components too", async () => {
    const { http } = fixture;
    await http.mutation(api.calls.increment, { name: "shared" });
    await http.mutation(api.calls.increment, { name: "shared" });
    await http.mutation(api.calls.increment, { name: "shared", other: true });
    await http.mutation(api.calls.addAppCounter, { name: "shared", value: 100 });
    expect(await http.query(api.calls.get, { name: "shared" })).toEqual({ counter: 2, otherCounter: 1 });
    expect(await http.query(api.calls.appCounters, {})).toContainEqual({ name: "shared", value: 100 });
    expect(await http.query(api.calls.componentCounters, {})).not.toContainEqual({ name: "shared", value: 100 });
    // Each counter's own `tally` component counted only its own increments.
    const totals = await http.query(api.calls.totals, {});
    expect(totals.counter - totals.otherCounter).toBeGreaterThanOrEqual(1);
  });

  it("an app function cannot read a component's document (nothing is found), nor take its id for one of its own tables", async () => {
    const { http } = fixture;
    await http.mutation(api.calls.increment, { name: "private" });
    const id = (await http.query(api.calls.componentIdOf, { name: "private" })) as string;
    expect(typeof id).toBe("string");
    // An id of another namespace's table names no table of the app's: nothing is found, as in Convex.
    expect(await http.query(api.calls.readById, { id })).toBeNull();
    expect(await http.query(api.calls.normalizeId, { id })).toBeNull();
  });

  it("a component cannot read the app's tables: its `notes` is a table of its own (empty)", async () => {
    const { http } = fixture;
    await http.mutation(api.notes.add, { text: "app only", status: "open" });
    expect(await http.query(api.calls.readNotesInComponent, {})).toBe(0);
  });
});

describe("calls across the boundary", () => {
  it("arguments and return values are validated by the component, ids against its own tables", async () => {
    const { http } = fixture;
    expect(await failure(http.mutation(api.calls.badArgs, {}))).toMatch(
      /^Uncaught Error: ArgumentValidationError: Value does not match validator\.\nPath: \.name\nValue: 42\nValidator: v\.string\(\)\n/,
    );
    expect(await failure(http.query(api.calls.badReturn, {}))).toMatch(
      /^Uncaught Error: ReturnsValidationError: Value does not match validator\.\nPath: \(root\)\nValue: "not a number"\nValidator: v\.float64\(\)\n/,
    );
    // An id of the app's `counters` table is no id of the component's `counters` table.
    const appId = await http.mutation(api.calls.addAppCounter, { name: "app id", value: 1 });
    expect(await failure(http.query(api.calls.componentGetById, { id: appId }))).toMatch(
      /^Uncaught Error: ArgumentValidationError: Value does not match validator\.\nPath: \.id\n/,
    );
    await http.mutation(api.calls.increment, { name: "by id" });
    const id = (await http.query(api.calls.componentIdOf, { name: "by id" })) as string;
    expect(await http.query(api.calls.componentGetById, { id })).toEqual({ name: "by id", value: 1 });
  });

  it("a failing component mutation rolls back its writes only; the caller sees its error and goes on", async () => {
    const { http } = fixture;
    const { message, list } = (await http.mutation(api.calls.rollback, { name: "boom" })) as {
      message: string;
      list: { name: string }[];
    };
    // As Convex passes a nested function's error: its message and frames, no request line.
    expect(message).toMatch(/^Uncaught Error: counter boom failed\n {4}at handler \(\.\.\/counter\/counters\.ts:\d+:\d+\)\n$/);
    expect(list.map((c) => c.name)).toContain("boom-kept");
    expect(list.map((c) => c.name)).not.toContain("boom");
  });

  it("an uncaught component error fails the caller; the whole mutation is rolled back", async () => {
    const { http } = fixture;
    const text = await failure(http.mutation(api.calls.failInComponent, { name: "all-or-nothing" }));
    expect(text).toMatch(/^Uncaught Error: Uncaught Error: counter all-or-nothing failed\n/);
    expect(await http.query(api.calls.componentCounters, {})).not.toContainEqual(
      expect.objectContaining({ name: "all-or-nothing" }),
    );
  });

  it("a ConvexError keeps its data across the boundary, caught or not", async () => {
    const { http } = fixture;
    expect(await http.query(api.calls.catchConvexError, {})).toEqual({
      isConvexError: true,
      data: { code: "counterError", detail: 7 },
    });
    const error = await http.query(api.calls.convexErrorInComponent, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string; detail: number }>).data).toEqual({ code: "counterError", detail: 7 });
  });

  it("an action calls into a component", async () => {
    expect(await fixture.http.action(api.calls.incrementFromAction, { name: "from action" })).toBe(1);
    expect(await fixture.http.query(api.calls.get, { name: "from action" })).toEqual({ counter: 1, otherCounter: null });
  });

  it("references reach a child's public functions only; a handle reaches any function it was made for", async () => {
    const { http } = fixture;
    expect(await failure(http.query(api.calls.internalByReference, {}))).toMatch(
      /^Uncaught Error: Couldn't resolve counter\.counters\.secret\n/,
    );
    const { handle, value } = await http.query(api.calls.throughHandle, {});
    expect(handle).toMatch(/^function:\/\/[0-9a-z]{32}#counters:secret$/);
    expect(value).toBe("only through a handle");
    // Handles are stable: the same function gets the same handle.
    expect(((await http.query(api.calls.throughHandle, {})) as { handle: string }).handle).toBe(handle);
    expect(await http.query(api.calls.callHandle, { handle })).toBe("only through a handle");
  });

  it("a component calls back into the app through a handle the app gave it", async () => {
    const { http } = fixture;
    const handle = await http.mutation(api.calls.callBackThroughComponent, {});
    expect(handle).toMatch(/^function:\/\/[0-9a-z]{32}#calls:recordCallBack$/);
    expect(await http.query(api.calls.appCounters, {})).toContainEqual({ name: "called back by counter", value: 0 });
  });

  it("queries and mutations call each other at most 8 deep, as on Convex", async () => {
    expect(await fixture.http.query(api.calls.nest, { levels: 8 })).toBe(8);
    expect(await failure(fixture.http.query(api.calls.nest, { levels: 9 }))).toContain(
      "Cross component call depth limit exceeded. Do you have an infinite loop in your app?",
    );
  });

  it("paginate() inside a component fails with Convex's message", async () => {
    expect(await failure(fixture.http.query(api.calls.paginateInComponent, {}))).toContain(
      "Uncaught Error: paginate() is only supported in the app. Learn more at https://docs.convex.dev/components/authoring#pagination",
    );
  });

  it("a query's subscription follows the component tables it read", async () => {
    await watching(api.calls.get, { name: "watched" }, async (seen) => {
      await fixture.http.mutation(api.calls.increment, { name: "watched", other: true });
      await waitFor(() => seen.some((v) => v.counter === null && v.otherCounter === 1), 5000, "the update");
    });
  });
});

describe("what a component sees of its caller", () => {
  it("ctx.auth: a component sees no identity, called from a query or an action (Convex: not available in a component)", async () => {
    const { backend } = fixture;
    const identity = { subject: "user_7", issuer: "https://issuer.test", tokenIdentifier: "https://issuer.test|user_7" };
    const client = adminClient(backend.url, backend.adminKey, identity);
    expect(await client.query(api.calls.identities, {})).toEqual({ app: "user_7", component: null });
    expect(await client.action(api.calls.identitiesFromAction, {})).toEqual({
      app: "user_7",
      component: null,
      componentAction: null,
    });
  });

  it("process.env: the app's variables stay in the app; a component sees what its parent passes it and the URLs", async () => {
    const { backend, http } = fixture;
    expect(await http.query(api.calls.environments, {})).toEqual({
      app: { greeting: COMPONENTS_ENV.APP_GREETING, appSecret: COMPONENTS_ENV.APP_SECRET },
      counter: { greeting: null, appSecret: null, cloudUrl: backend.url },
      otherCounter: { greeting: COMPONENTS_ENV.APP_GREETING, appSecret: null, cloudUrl: backend.url },
    });
  });
});

describe("file storage in a component", () => {
  it("a component's files are its own: uploaded through its URL, listed and served by it, not the app's", async () => {
    const { backend, http } = fixture;
    const uploadUrl = await http.mutation(api.files.componentUploadUrl, {});
    expect(uploadUrl.startsWith(`${backend.url}/api/storage/upload?token=`)).toBe(true);
    const uploaded = await fetch(uploadUrl, {
      method: "POST",
      body: "in the counter",
      headers: { "Content-Type": "text/plain" },
    });
    const { storageId } = (await uploaded.json()) as { storageId: string };
    expect(await http.query(api.files.componentFiles, {})).toContainEqual({ id: storageId, size: 14 });
    expect(await http.query(api.files.appFiles, {})).toBe(0);
    const url = (await http.query(api.files.componentFileUrl, { storageId })) as string;
    expect(url).toMatch(new RegExp(`^${backend.url}/api/storage/[0-9a-f-]{36}\\?component=counter$`));
    expect(await (await fetch(url)).text()).toBe("in the counter");
    // The app's storage knows nothing of it, and the same file name is nothing in the app's.
    await expect(http.query(api.files.appFileUrl, { storageId })).rejects.toThrow(/Invalid storage ID/);
    expect((await fetch(url.replace(/\?component=counter$/, ""))).status).toBe(404);
    // Deleting it in the component deletes it (its bytes go with it).
    await http.mutation(api.files.removeInComponent, { storageId });
    expect(await http.query(api.files.componentFiles, {})).not.toContainEqual({ id: storageId, size: 14 });
    expect((await fetch(url)).status).toBe(404);
    // An action's store() and get() in the component use its storage too.
    const stored = await http.action(api.files.storeInComponent, { text: "stored by an action" });
    expect(await http.action(api.files.readInComponent, { storageId: stored })).toBe("stored by an action");
    expect(await http.query(api.files.appFiles, {})).toBe(0);
  });
});

describe("the scheduler", () => {
  it("a job belongs to the component that schedules it, and runs the function it names", async () => {
    const { http } = fixture;
    await http.mutation(api.calls.scheduleInComponent, { name: "scheduled by the app" });
    await http.mutation(api.calls.componentSchedules, { name: "scheduled by the counter" });
    await waitFor(
      async () => {
        const got = (await http.query(api.calls.get, { name: "scheduled by the app" })) as { counter: number | null };
        const own = (await http.query(api.calls.get, { name: "scheduled by the counter" })) as { counter: number | null };
        return got.counter === 1 && own.counter === 1;
      },
      5000,
      "both jobs to run",
    );
    const jobs = (await http.query(api.calls.jobs, {})) as { app: Record<string, unknown>[]; counter: string[] };
    const appJob = jobs.app.find((job) => job.name === "counters:increment");
    // Convex shows a job's function path, not its component.
    expect(Object.keys(appJob!).sort()).toEqual(["_creationTime", "_id", "completedTime", "name", "scheduledTime", "state"]);
    expect(appJob!.state).toEqual({ kind: "success" });
    expect(jobs.counter).toEqual(["counters:increment"]);
    expect(jobs.app.filter((job) => job.name === "counters:increment")).toHaveLength(1);
  });

  it("a query may be scheduled, as on Convex; its job fails when due", async () => {
    const { http } = fixture;
    const id = await http.mutation(api.calls.scheduleQuery, {});
    const state = await waitFor(
      async () => {
        const current = await http.query(api.calls.job, { id });
        return current?.kind === "failed" ? current : null;
      },
      5000,
      "the job to fail",
    );
    expect(state).toEqual({
      kind: "failed",
      error:
        'Unsupported function type. FunctionName("nest") in module "calls.js" is defined as a Query. "\n' +
        '                            "Only Mutation and Action can be scheduled.',
    });
  });
});

/**
 * `npm run codegen` on a copy of the fixture project (without its `_generated/`), started with
 * the file so the CLI's work overlaps the other tests'.
 */
async function codegenCopy(): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), "components-codegen-"));
  for (const dir of ["convex", "counter", "tally"]) {
    await cp(join(COMPONENTS_PROJECT, dir), join(scratch, dir), {
      recursive: true,
      filter: (source) => !source.includes("_generated"),
    });
  }
  await cp(join(COMPONENTS_PROJECT, "package.json"), join(scratch, "package.json"));
  await symlink(join(COMPONENTS_PROJECT, "../../../../node_modules"), join(scratch, "node_modules"));
  await generate(scratch, { quiet: true });
  return scratch;
}
let codegen: Promise<string>;
beforeAll(() => {
  codegen = codegenCopy();
  codegen.catch(() => undefined);
});

describe("codegen", () => {
  it("npm run codegen writes exactly the committed _generated/ (the CLI's output), against which the fixture type-checks", async () => {
    const scratch = await codegen;
    try {
      for (const dir of ["convex", "counter", "tally"]) {
        const generated = (await readdir(join(scratch, dir, "_generated"))).sort();
        expect(generated).toEqual((await readdir(join(COMPONENTS_PROJECT, dir, "_generated"))).sort());
        for (const file of generated) {
          expect(await readFile(join(scratch, dir, "_generated", file), "utf8"), `${dir}/_generated/${file}`).toBe(
            await readFile(join(COMPONENTS_PROJECT, dir, "_generated", file), "utf8"),
          );
        }
      }
      const apiTypes = await readFile(join(scratch, "convex/_generated/api.d.ts"), "utf8");
      expect(apiTypes).toContain(
        'rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;',
      );
      expect(apiTypes).toContain('otherCounter: import("../../counter/_generated/component.js").ComponentApi<"otherCounter">;');
      expect(await readFile(join(scratch, "convex/_generated/api.js"), "utf8")).toContain(
        "export const components = componentsGeneric();",
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe("durability", () => {
  it("a component's data survives a restart, still apart from the app's", async () => {
    const { backend, http } = fixture;
    await http.mutation(api.calls.increment, { name: "durable", other: true });
    expect(await http.query(api.calls.get, { name: "durable" })).toEqual({ counter: null, otherCounter: 1 });
    await backend.close();
    // The file's backend is replaced by the restarted one (which the file's cleanup destroys).
    fixture.backend = await startTestBackend({
      dataDir: backend.dataDir,
      functionsDir: join(COMPONENTS_PROJECT, "convex"),
      env: COMPONENTS_ENV,
    });
    const client = adminClient(fixture.backend.url, fixture.backend.adminKey);
    expect(await client.query(api.calls.get, { name: "durable" })).toEqual({ counter: null, otherCounter: 1 });
    expect(await client.query(api.notes.count, { status: "done" })).toBeGreaterThan(0);
    // A component's files keep their bytes (start-up keeps what any namespace's _storage lists).
    const [file] = await client.query(api.files.componentFiles, {});
    const url = await client.query(api.files.componentFileUrl, { storageId: file!.id });
    expect((await fetch(url!)).status).toBe(200);
  });
});
