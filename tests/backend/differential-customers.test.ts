/**
 * The project's own convex/customers.ts under `convex-test` (the reference) and on the local
 * backend (authenticated with real signed tokens through convex/auth.config.ts): the same calls
 * by the same users give the same results, errors included.
 */
import { ConvexHttpClient } from "convex/browser";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { projectConvexTest } from "../../convex/test.setup";
import { ISSUER, projectBackend, signToken } from "./helpers";

interface Caller {
  query<Q extends FunctionReference<"query">>(q: Q, args: FunctionArgs<Q>): Promise<FunctionReturnType<Q>>;
  mutation<M extends FunctionReference<"mutation">>(m: M, args: FunctionArgs<M>): Promise<FunctionReturnType<M>>;
}

const project = projectBackend();

/** Ids and times differ between runs by design; everything else must match. */
function normalize(value: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v, ids));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        // splitCursor: convex-test gives one only with a split status, Convex (and the local
        // backend) for any page that read more than two rows.
        k === "_creationTime" || k === "continueCursor" ? typeof v : k === "splitCursor" ? "string or null" : normalize(v, ids),
      ]),
    );
  }
  if (typeof value === "string" && /^[0-9a-z]{31,37}$/.test(value)) {
    if (!ids.has(value)) ids.set(value, `id#${ids.size}`);
    return ids.get(value);
  }
  return value;
}

async function scenario(as: (user: string) => Caller, anonymous: Caller): Promise<unknown[]> {
  const log: unknown[] = [];
  const record = async (run: () => Promise<unknown>) => {
    try {
      log.push({ ok: await run() });
    } catch (error) {
      log.push({ error: (error as { data?: unknown }).data ?? "error without data" });
    }
  };
  const ann = as("ann");
  const bob = as("bob");
  const page = (numItems: number, cursor: string | null = null) => ({ numItems, cursor });

  await record(() => anonymous.query(api.customers.listByUser, { paginationOpts: page(5) }));
  const ids = await ann.mutation(api.customers.createMany, {
    customers: ["Mia", "Ann", "Zoe", "Bea", "Kai", "Eli", "Ola"].map((name, i) => ({
      name,
      email: `${name.toLowerCase()}@example.com`,
      status: i % 2 ? ("active" as const) : ("lead" as const),
      company: i % 3 ? "Initech" : undefined,
    })),
  });
  log.push(ids.length);
  await bob.mutation(api.customers.create, { name: "Bob's", email: "b@example.com", company: "Initech" });
  for (const sort of ["newest", "oldest", "name"] as const) {
    await record(() => ann.query(api.customers.listByUser, { paginationOpts: page(10), sort }));
    await record(() => ann.query(api.customers.listByUser, { paginationOpts: page(10), sort, status: "active" }));
  }
  let cursor: string | null = null;
  for (let i = 0; i < 5; i++) {
    const result: { isDone: boolean; continueCursor: string } = await ann.query(api.customers.listByUser, {
      paginationOpts: page(3, cursor),
      sort: "name",
    });
    log.push(result);
    if (result.isDone) break;
    cursor = result.continueCursor;
  }
  await record(
    async () => (await ann.query(api.customers.listByUser, { paginationOpts: page(10), search: "initech" })).page.length,
  );
  await record(() => ann.query(api.customers.get, { id: ids[0]! }));
  await record(() => bob.query(api.customers.get, { id: ids[0]! }));
  await record(() => ann.query(api.customers.get, { id: "malformed" }));
  await record(() => ann.mutation(api.customers.update, { id: ids[1]!, company: "", status: "inactive" }));
  await record(() => ann.query(api.customers.get, { id: ids[1]! }));
  await record(() => ann.mutation(api.customers.update, { id: ids[1]!, email: "not-an-email" }));
  await record(() => bob.mutation(api.customers.update, { id: ids[1]!, name: "Mallory" }));
  await record(() => ann.mutation(api.customers.create, { name: "", email: "x" }));
  await record(() => bob.mutation(api.customers.remove, { id: ids[2]! }));
  await record(() => ann.mutation(api.customers.remove, { id: ids[2]! }));
  await record(() => ann.mutation(api.customers.remove, { id: ids[2]! }));
  await record(() => ann.query(api.customers.listByUser, { paginationOpts: page(10) }));
  // The status counts and weekly chart (the aggregate component) after those writes.
  await record(
    async () => (await ann.query(api.customers.listByUser, { paginationOpts: page(1), summaryWeek: Date.now() })).summary,
  );
  await record(
    async () => (await bob.query(api.customers.listByUser, { paginationOpts: page(1), summaryWeek: Date.now() })).summary,
  );
  return log;
}

describe("differential: convex/customers.ts under convex-test vs the local backend", () => {
  it("gives the same results and errors for the same calls", async () => {
    const reference = projectConvexTest();
    const expected = await scenario(
      (user) => reference.withIdentity({ issuer: ISSUER, subject: user }) as unknown as Caller,
      reference as unknown as Caller,
    );
    const tokens = new Map<string, string>();
    for (const user of ["ann", "bob"]) tokens.set(user, await signToken(project.keys, user));
    const actual = await scenario((user) => {
      const client = new ConvexHttpClient(project.backend.url);
      client.setAuth(tokens.get(user)!);
      return client;
    }, new ConvexHttpClient(project.backend.url));
    expect(normalize(actual, new Map())).toEqual(normalize(expected, new Map()));
    // Seven created, one deleted, one made inactive: the counts compared above are real ones.
    expect(expected.at(-2)).toMatchObject({ ok: { counts: { all: 6, lead: 3, active: 2, inactive: 1 } } });
  });
});
