/**
 * The same fixture functions under `convex-test` (the in-memory reference) and on the local
 * backend, through the same sequence of calls: results must agree (ids aside, which are random).
 */
import { ConvexHttpClient } from "convex/browser";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { convexTest } from "convex-test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import schema from "./fixtures/convex/schema";
import { startTestBackend, type TestBackend } from "./helpers";

const modules = import.meta.glob("./fixtures/convex/**/*.ts");

interface Target {
  query<Q extends FunctionReference<"query">>(q: Q, args: FunctionArgs<Q>): Promise<FunctionReturnType<Q>>;
  mutation<M extends FunctionReference<"mutation">>(m: M, args: FunctionArgs<M>): Promise<FunctionReturnType<M>>;
  action<A extends FunctionReference<"action">>(a: A, args: FunctionArgs<A>): Promise<FunctionReturnType<A>>;
}

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend.destroy();
});

/** Replaces ids and creation times by stable placeholders so the two runs can be compared. */
function normalize(value: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v, ids));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "_creationTime") out[k] = typeof v;
      else if (k === "continueCursor") out[k] = typeof v;
      // convex-test differs from Convex here: it gives a splitCursor only with a split status,
      // Convex (and the local backend) for any page that read more than two rows.
      else if (k === "splitCursor") out[k] = "string or null";
      else out[k] = normalize(v, ids);
    }
    return out;
  }
  if (typeof value === "string" && /^[0-9a-z]{31,37}$/.test(value) && !/^\d+$/.test(value)) {
    if (!ids.has(value)) ids.set(value, `id#${ids.size}`);
    return ids.get(value);
  }
  return value;
}

async function outcome<T>(run: () => Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  try {
    return { ok: await run() };
  } catch (e) {
    const data = (e as { data?: unknown }).data;
    return { error: data ?? "error" };
  }
}

/** A scenario touching each database feature; returns every observed result in order. */
async function scenario(t: Target): Promise<unknown[]> {
  const log: unknown[] = [];
  const record = async <T>(run: () => Promise<T>) => {
    log.push(await outcome(run));
  };
  const ids = await t.mutation(api.contacts.addMany, { owner: "d", names: ["Mia", "Ann", "Zoe", "Bea", "Kai", "Eli", "Ola"] });
  log.push(ids.length);
  await t.mutation(api.contacts.add, { owner: "d", name: "Sam", email: "sam@x", status: "active", score: 8 });
  await t.mutation(api.contacts.add, { owner: "d", name: "Tia", email: "tia@x", score: 2 });
  await t.mutation(api.contacts.add, { owner: "other", name: "Ann", email: "ann@other" });
  await record(() => t.query(api.contacts.listByOwner, { owner: "d" }));
  await record(() => t.query(api.contacts.namesBetween, { owner: "d", from: "B", to: "O" }));
  await record(() => t.query(api.contacts.firstAndTake, { owner: "d" }));
  await record(() => t.query(api.contacts.uniqueByName, { owner: "d", name: "Kai" }));
  await record(() => t.query(api.contacts.uniqueByName, { owner: "d", name: "Nobody" }));
  await record(() => t.query(api.contacts.get, { id: ids[0]! }));
  await record(() => t.mutation(api.contacts.rename, { id: ids[1]!, name: "Anna" }));
  await record(() => t.mutation(api.contacts.replaceOne, { id: ids[2]! }));
  await record(() => t.mutation(api.contacts.remove, { id: ids[3]! }));
  await record(() => t.query(api.contacts.get, { id: ids[3]! }));
  await record(() => t.mutation(api.contacts.addThenFail, { owner: "d" }));
  await record(() => t.query(api.contacts.listByOwner, { owner: "d" }));
  await record(() => t.mutation(api.jobs.nested, { owner: "d" }));
  // Pagination: walk all pages.
  let cursor: string | null = null;
  for (let i = 0; i < 10; i++) {
    const page: { isDone: boolean; continueCursor: string } = await t.query(api.contacts.page, {
      owner: "d",
      paginationOpts: { numItems: 3, cursor },
    });
    log.push(page);
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  // Search: compare as sets (the reference does not rank).
  // Terms inside punctuation ("x" in "sam@x") differ: the reference splits on whitespace only,
  // Convex (and the local backend) on non-alphanumerics.
  for (const term of ["ann", "sam", "ol", "zzz"]) {
    const names = await t.query(api.contacts.search, { owner: "d", term });
    log.push([...names].sort());
  }
  log.push(await t.query(api.contacts.search, { owner: "d", term: "sam", status: "active" }));
  return log;
}

describe("differential: convex-test vs local backend", () => {
  it("returns the same results for the same calls", async () => {
    const reference = convexTest(schema, modules);
    const expected = await scenario(reference as unknown as Target);
    const client = new ConvexHttpClient(backend.url);
    const actual = await scenario(client);
    expect(normalize(actual, new Map())).toEqual(normalize(expected, new Map()));
  });
});
