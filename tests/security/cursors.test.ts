/**
 * Issue 11 item 1: a pagination cursor must never take a query outside its own index range.
 * The project's own `customers:listByUser` on the local backend, through the real clients
 * (ConvexHttpClient, ConvexClient over the WebSocket, and raw sync frames for journals):
 * hand-made cursors, another user's replayed cursors, cursors of another sort, filter or search,
 * and cursors from another deployment all fail with Convex's invalid-cursor errors, and no
 * other user's row is ever returned.
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { ISSUER, makeKeys, signToken, startTestBackend, type TestBackend, type TestKeys } from "../backend/helpers";
import { RawSyncClient } from "../backend/raw-sync";

const PROJECT_FUNCTIONS = fileURLToPath(new URL("../../convex", import.meta.url));

/** Convex's wording (convex-backend: keybroker `cursor_parse_error`, database `invalid_cursor`). */
const PARSE_ERROR = "Failed to parse cursor";
const OTHER_QUERY_ERROR =
  "InvalidCursor: Tried to run a query starting from a cursor, but it looks like this cursor is from a different query.";

type ListArgs = FunctionArgs<typeof api.customers.listByUser>;
type ListResult = FunctionReturnType<typeof api.customers.listByUser>;
type Variant = Omit<ListArgs, "paginationOpts">;

/** Every sort and filter listByUser supports, and its text search with and without a filter. */
const VARIANTS: Variant[] = [
  { sort: "newest" },
  { sort: "oldest" },
  { sort: "name" },
  { sort: "newest", status: "active" },
  { sort: "oldest", status: "active" },
  { sort: "name", status: "active" },
  { search: "acme" },
  { search: "acme", status: "active" },
];

/** Cursors an attacker can type: the old JSON key format around and outside every range, and junk. */
const HAND_MADE = ['[[1,"~"]]', '[[1,""]]', "[null]", "[]", "[[0]]", '{"search":0}', "_end", "garbage", ""];

const USERS = ["adam", "ann", "bob"] as const;
type User = (typeof USERS)[number];
const ATTACKER: User = "ann";

let keys: TestKeys;
let backend: TestBackend;
let other: TestBackend;
const tokens = new Map<User, string>();
const http = new Map<User, ConvexHttpClient>();

function variantName(v: Variant): string {
  return JSON.stringify(v);
}

function list(user: User, variant: Variant, numItems: number, cursor: string | null, on = backend): Promise<ListResult> {
  const client = on === backend ? http.get(user)! : new ConvexHttpClient(on.url);
  if (on !== backend) client.setAuth(tokens.get(user)!);
  return client.query(api.customers.listByUser, { ...variant, paginationOpts: { numItems, cursor } });
}

/** Names of the customers each user owns: "<user>-<n>", so a foreign row is recognisable. */
function foreignRows(result: ListResult, user: User): string[] {
  return result.page.map((c) => c.name).filter((name) => !name.startsWith(`${user}-`));
}

/** The call must fail with `wording`; if it returned anything, none of it may be another user's. */
async function expectRefused(call: Promise<ListResult>, user: User, wording: string): Promise<void> {
  const outcome = await call.then(
    (result) => ({ result }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
  if ("result" in outcome) {
    expect(foreignRows(outcome.result, user), "rows of another user were returned").toEqual([]);
    expect.fail(`expected the cursor to be refused with "${wording}", got a page of ${outcome.result.page.length}`);
  }
  expect(outcome.error).toContain(wording);
}

beforeAll(async () => {
  keys = await makeKeys();
  const env = { LOCAL_AUTH_ISSUER: ISSUER, LOCAL_AUTH_JWKS: keys.jwksDataUri };
  [backend, other] = await Promise.all([
    startTestBackend({ functionsDir: PROJECT_FUNCTIONS, env }),
    startTestBackend({ functionsDir: PROJECT_FUNCTIONS, env }),
  ]);
  for (const user of USERS) {
    tokens.set(user, await signToken(keys, user));
    const client = new ConvexHttpClient(backend.url);
    client.setAuth(tokens.get(user)!);
    http.set(user, client);
  }
  // Interleaved inserts, so every user's rows sit between other users' rows in time.
  for (let i = 0; i < 6; i++) {
    for (const user of USERS) {
      const customer = {
        name: `${user}-${String.fromCharCode(97 + ((i * 5) % 6))}${i}`,
        email: `${user}${i}@example.com`,
        company: "Acme",
        status: i % 2 === 0 ? ("active" as const) : ("lead" as const),
      };
      await http.get(user)!.mutation(api.customers.create, customer);
      const second = new ConvexHttpClient(other.url);
      second.setAuth(tokens.get(user)!);
      await second.mutation(api.customers.create, customer);
    }
  }
});
afterAll(async () => {
  await Promise.all([backend?.destroy(), other?.destroy()]);
});

describe("pagination cursors over HTTP (ConvexHttpClient)", () => {
  it("walks each user's own rows exactly once, in order, for every sort, filter and search", async () => {
    for (const variant of VARIANTS) {
      const whole = await list(ATTACKER, variant, 100, null);
      expect(whole.isDone).toBe(true);
      expect(whole.page.length, variantName(variant)).toBeGreaterThanOrEqual(3);
      expect(foreignRows(whole, ATTACKER)).toEqual([]);
      const walked: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const page: ListResult = await list(ATTACKER, variant, 1, cursor);
        walked.push(...page.page.map((c) => c.name));
        if (page.isDone) break;
        cursor = page.continueCursor;
      }
      expect(walked, variantName(variant)).toEqual(whole.page.map((c) => c.name));
    }
  });

  it("refuses hand-made cursors for every sort, filter and search", async () => {
    for (const variant of VARIANTS) {
      for (const cursor of HAND_MADE) {
        await expectRefused(list(ATTACKER, variant, 50, cursor), ATTACKER, PARSE_ERROR);
      }
    }
  });

  it("refuses another user's replayed cursors (mid-list and at the end)", async () => {
    for (const variant of VARIANTS) {
      for (const victim of USERS.filter((u) => u !== ATTACKER)) {
        const first = await list(victim, variant, 1, null);
        expect(first.isDone).toBe(false);
        await expectRefused(list(ATTACKER, variant, 50, first.continueCursor), ATTACKER, OTHER_QUERY_ERROR);
        const all = await list(victim, variant, 100, null);
        expect(all.isDone).toBe(true);
        await expectRefused(list(ATTACKER, variant, 50, all.continueCursor), ATTACKER, OTHER_QUERY_ERROR);
      }
    }
  });

  it("refuses the user's own cursor in another sort, filter or search", async () => {
    const cursors = await Promise.all(VARIANTS.map(async (v) => (await list(ATTACKER, v, 1, null)).continueCursor));
    for (const [i, variant] of VARIANTS.entries()) {
      for (const [j, cursor] of cursors.entries()) {
        if (i === j) continue;
        await expectRefused(list(ATTACKER, variant, 50, cursor), ATTACKER, OTHER_QUERY_ERROR);
      }
    }
  });

  it("refuses a cursor from another deployment (same functions, same user)", async () => {
    for (const variant of VARIANTS) {
      const elsewhere = await list(ATTACKER, variant, 1, null, other);
      expect(elsewhere.isDone).toBe(false);
      await expectRefused(list(ATTACKER, variant, 50, elsewhere.continueCursor), ATTACKER, PARSE_ERROR);
    }
  });

  it("reveals no key in a cursor, not even base64-decoded", async () => {
    for (const variant of VARIANTS) {
      for (const user of USERS) {
        const page = await list(user, variant, 1, null);
        const row = page.page[0]!;
        // What an index key of this page can hold: the row's fields and id, and its owner.
        const secrets = [row.name, row.email, row._id, `${ISSUER}|${user}`, ISSUER, "example.com", "Acme", "acme"];
        for (const cursor of [page.continueCursor, page.splitCursor ?? ""]) {
          const decoded = [
            cursor,
            Buffer.from(cursor, "base64").toString("latin1"),
            Buffer.from(cursor, "base64url").toString("latin1"),
          ];
          for (const text of decoded) {
            for (const secret of secrets) {
              // Random base64 text holds a short word now and then (a user named "ann" did); a key
              // in clear would show whole, so the cursor's own text is checked for the long values.
              if (text === cursor && secret.length < 6) continue;
              expect(text.includes(secret), `${variantName(variant)} cursor shows "${secret}"`).toBe(false);
            }
          }
        }
      }
    }
  });

  it("keeps the deployment's cursor secret private (mode 600) and cursors valid across a restart", async () => {
    expect((await stat(join(backend.dataDir, "cursor-secret"))).mode & 0o777).toBe(0o600);
    const variant: Variant = { sort: "name" };
    const first = await list(ATTACKER, variant, 2, null, other);
    const expected = await list(ATTACKER, variant, 2, first.continueCursor, other);
    await other.close();
    other = await startTestBackend({
      functionsDir: PROJECT_FUNCTIONS,
      dataDir: other.dataDir,
      env: { LOCAL_AUTH_ISSUER: ISSUER, LOCAL_AUTH_JWKS: keys.jwksDataUri },
    });
    const again = await list(ATTACKER, variant, 2, first.continueCursor, other);
    expect(again.page.map((c) => c.name)).toEqual(expected.page.map((c) => c.name));
  });

  it("keeps a cursor valid while rows come and go", async () => {
    const variant: Variant = { sort: "newest" };
    const client = http.get(ATTACKER)!;
    const before = (await list(ATTACKER, variant, 100, null)).page.map((c) => c.name);
    const first = await list(ATTACKER, variant, 2, null);
    // Remove the row the cursor points after, and add one ahead of the cursor (newest first).
    await client.mutation(api.customers.remove, { id: first.page[1]!._id });
    await client.mutation(api.customers.create, { name: `${ATTACKER}-new`, email: "new@example.com", company: "Acme" });
    const rest: string[] = [];
    let cursor: string | null = first.continueCursor;
    while (cursor !== null) {
      const page: ListResult = await list(ATTACKER, variant, 2, cursor);
      rest.push(...page.page.map((c) => c.name));
      cursor = page.isDone ? null : page.continueCursor;
    }
    expect(rest).toEqual(before.slice(2));
  });
});

describe("pagination cursors over the WebSocket", () => {
  it("ConvexClient: refuses hand-made and replayed cursors and returns no foreign row", async () => {
    const client = new ConvexClient(backend.url);
    client.setAuth(async () => tokens.get(ATTACKER)!);
    try {
      for (const variant of VARIANTS) {
        const query = (cursor: string | null) =>
          client.query(api.customers.listByUser, { ...variant, paginationOpts: { numItems: 50, cursor } });
        for (const cursor of HAND_MADE) await expectRefused(query(cursor), ATTACKER, PARSE_ERROR);
        const victims = await list("bob", variant, 1, null);
        await expectRefused(query(victims.continueCursor), ATTACKER, OTHER_QUERY_ERROR);
        const own = await query(null);
        expect(foreignRows(own, ATTACKER)).toEqual([]);
      }
    } finally {
      await client.close();
    }
  });

  it("a subscription refuses a forged or another user's journal", async () => {
    const raw = await RawSyncClient.open(backend.url);
    raw.send({ type: "Authenticate", tokenType: "User", value: tokens.get(ATTACKER)!, baseVersion: 0 });
    await raw.next((m) => m.type === "Transition" && (m.endVersion as { identity: number }).identity === 1);
    // A journal bob's own subscription produced.
    const bob = await RawSyncClient.open(backend.url);
    bob.send({ type: "Authenticate", tokenType: "User", value: tokens.get("bob")!, baseVersion: 0 });
    await bob.next((m) => m.type === "Transition" && (m.endVersion as { identity: number }).identity === 1);
    const args = [{ sort: "newest", paginationOpts: { numItems: 2, cursor: null } }];
    bob.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 1, udfPath: "customers:listByUser", args }],
    });
    const bobs = await bob.next((m) => m.type === "Transition" && (m.endVersion as { querySet: number }).querySet === 1);
    const bobJournal = (bobs.modifications as { journal: string | null }[])[0]!.journal;
    expect(typeof bobJournal).toBe("string");
    bob.close();

    const journals: [string, string][] = [
      [JSON.stringify({ endCursor: '[[1,"~"]]' }), PARSE_ERROR],
      [JSON.stringify({ endCursor: '[[1,""]]' }), PARSE_ERROR],
      [bobJournal!, OTHER_QUERY_ERROR],
    ];
    for (const [i, [journal, wording]] of journals.entries()) {
      raw.send({
        type: "ModifyQuerySet",
        baseVersion: i,
        newVersion: i + 1,
        modifications: [{ type: "Add", queryId: 10 + i, udfPath: "customers:listByUser", args, journal }],
      });
      const t = await raw.next((m) => m.type === "Transition" && (m.endVersion as { querySet: number }).querySet === i + 1);
      const mod = (t.modifications as { type: string; errorMessage?: string; value?: ListResult }[])[0]!;
      if (mod.type === "QueryUpdated")
        expect(foreignRows(mod.value!, ATTACKER), "rows of another user were returned").toEqual([]);
      expect(mod.type).toBe("QueryFailed");
      expect(mod.errorMessage).toContain(wording);
    }
    raw.close();
  });
});
