import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { fixtureBackendWithAuth, ISSUER, makeKeys, signToken, waitFor } from "./helpers";
import { decodeTs, RawSyncClient, type ServerMessage } from "./raw-sync";

const fixture = fixtureBackendWithAuth();

const transitions = (c: RawSyncClient) => c.received.filter((m) => m.type === "Transition");

describe("WebSocket sync through ConvexClient", () => {
  it("pushes query updates after mutations and resolves mutations", async () => {
    const client = new ConvexClient(fixture.backend.url);
    const seen: string[][] = [];
    const unsubscribe = client.onUpdate(api.contacts.listByOwner, { owner: "live" }, (docs) => {
      seen.push(docs.map((d) => d.name));
    });
    await waitFor(() => seen.length >= 1, 3000, "first result");
    expect(seen[0]).toEqual([]);
    const id = await client.mutation(api.contacts.add, { owner: "live", name: "First", email: "f@x" });
    expect(typeof id).toBe("string");
    await waitFor(() => seen.at(-1)?.length === 1, 3000, "update after mutation");
    await fixture.http.mutation(api.contacts.add, { owner: "live", name: "Second", email: "s@x" });
    await waitFor(() => seen.at(-1)?.length === 2, 3000, "update after another client's mutation");
    expect(seen.at(-1)).toEqual(["Second", "First"]);
    unsubscribe();
    await client.close();
  });

  it("reports ConvexError data from mutations over the socket", async () => {
    const client = new ConvexClient(fixture.backend.url);
    const error = await client.mutation(api.contacts.addThenFail, { owner: "ws-err" }).catch((e: unknown) => e);
    expect((error as { data?: unknown }).data).toEqual({ code: "DELIBERATE", owner: "ws-err" });
    expect(await client.query(api.contacts.listByOwner, { owner: "ws-err" })).toEqual([]);
    await client.close();
  });

  it("runs actions over the socket", async () => {
    const client = new ConvexClient(fixture.backend.url);
    const r = await client.action(api.jobs.countAndAdd, { owner: "ws-act", name: "A" });
    expect(r).toMatchObject({ before: 0, after: 1 });
    await client.close();
  });

  it("authenticates with a customJwt token and re-runs queries under the new identity", async () => {
    const client = new ConvexClient(fixture.backend.url);
    const seen: unknown[] = [];
    client.onUpdate(api.contacts.whoAmI, {}, (v) => seen.push(v));
    await waitFor(() => seen.length >= 1);
    expect(seen[0]).toBeNull();
    const token = await signToken(fixture.keys, "user-1", { claims: { email: "u1@example.com" } });
    const authStates: boolean[] = [];
    client.setAuth(
      async () => token,
      (ok) => authStates.push(ok),
    );
    await waitFor(() => seen.some((v) => v !== null), 3000, "identity");
    expect(seen.at(-1)).toEqual({ tokenIdentifier: `${ISSUER}|user-1`, subject: "user-1", email: "u1@example.com" });
    expect(authStates).toContain(true);
    await client.close();
  });

  it("rejects bad, expired, wrong-audience and wrong-issuer tokens with an auth error, never another identity", async () => {
    const other = await makeKeys();
    const bad = [
      await signToken(other, "user-1"),
      await signToken(fixture.keys, "user-1", { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      await signToken(fixture.keys, "user-1", { audience: "someone-else" }),
      await signToken(fixture.keys, "user-1", { issuer: "https://evil.example" }),
      "not.a.jwt",
    ];
    for (const token of bad) {
      const withToken = new ConvexHttpClient(fixture.backend.url, { auth: token });
      await expect(withToken.query(api.contacts.whoAmI, {})).rejects.toThrow(/Unauthenticated|InvalidAuthHeader|NoAuthProvider/);
      const raw = await RawSyncClient.open(fixture.backend.url);
      raw.send({ type: "Authenticate", tokenType: "User", value: token, baseVersion: 0 });
      const err = await raw.next((m) => m.type === "AuthError");
      expect(err).toMatchObject({ type: "AuthError", baseVersion: 0, authUpdateAttempted: true });
      raw.close();
    }
    // A good token over HTTP.
    const good = new ConvexHttpClient(fixture.backend.url, { auth: await signToken(fixture.keys, "user-2") });
    expect(await good.query(api.contacts.whoAmI, {})).toMatchObject({ tokenIdentifier: `${ISSUER}|user-2` });
  });
});

describe("sync protocol invariants (raw WebSocket)", () => {
  it("chains versions exactly and answers a mutation before the Transition that includes it", async () => {
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "contacts:listByOwner", args: [{ owner: "proto" }] }],
    });
    const t1 = await raw.next((m) => m.type === "Transition");
    expect(t1.startVersion).toMatchObject({ querySet: 0, identity: 0 });
    expect(decodeTs((t1.startVersion as { ts: string }).ts)).toBe(0n);
    expect(t1.endVersion).toMatchObject({ querySet: 1, identity: 0 });
    expect(t1.modifications).toEqual([{ type: "QueryUpdated", queryId: 0, value: [], logLines: [], journal: null }]);

    raw.send({ type: "Mutation", requestId: 0, udfPath: "contacts:add", args: [{ owner: "proto", name: "P", email: "p@x" }] });
    const response = await raw.next((m) => m.type === "MutationResponse");
    expect(response).toMatchObject({ success: true, requestId: 0, logLines: [] });
    const commitTs = decodeTs(response.ts);
    const t2 = await raw.next((m) => m.type === "Transition" && decodeTs((m.endVersion as { ts: string }).ts) >= commitTs);
    const all = raw.received;
    expect(all.indexOf(response)).toBeLessThan(all.indexOf(t2));
    expect(t2.startVersion).toEqual(t1.endVersion);
    expect((t2.modifications as { value: unknown[] }[])[0]!.value).toHaveLength(1);

    // Retrying the same request id (as after a reconnect) answers without running it again.
    raw.send({ type: "Mutation", requestId: 0, udfPath: "contacts:add", args: [{ owner: "proto", name: "P", email: "p@x" }] });
    const again = await raw.next((m) => m.type === "MutationResponse");
    expect(again).toEqual(response);
    expect(await fixture.http.query(api.contacts.listByOwner, { owner: "proto" })).toHaveLength(1);

    // The same session reconnecting (new socket) is also deduplicated.
    const sessionId = crypto.randomUUID();
    const a = await RawSyncClient.open(fixture.backend.url, sessionId);
    a.send({ type: "Mutation", requestId: 7, udfPath: "contacts:add", args: [{ owner: "proto", name: "Q", email: "q@x" }] });
    const first = await a.next((m) => m.type === "MutationResponse");
    a.close();
    const b = await RawSyncClient.open(fixture.backend.url, sessionId);
    b.send({ type: "Mutation", requestId: 7, udfPath: "contacts:add", args: [{ owner: "proto", name: "Q", email: "q@x" }] });
    expect(await b.next((m) => m.type === "MutationResponse")).toEqual(first);
    expect(await fixture.http.query(api.contacts.listByOwner, { owner: "proto" })).toHaveLength(2);

    // Every Transition starts where the previous one ended.
    const ts = transitions(raw);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!.startVersion).toEqual(ts[i - 1]!.endVersion);
    raw.close();
    b.close();
  });

  it("re-runs only subscriptions whose reads a write touched", async () => {
    const alice = await RawSyncClient.open(fixture.backend.url);
    const bob = await RawSyncClient.open(fixture.backend.url);
    for (const [c, owner] of [
      [alice, "alice"],
      [bob, "bob"],
    ] as const) {
      c.send({
        type: "ModifyQuerySet",
        baseVersion: 0,
        newVersion: 1,
        modifications: [{ type: "Add", queryId: 1, udfPath: "contacts:listByOwner", args: [{ owner }] }],
      });
      await c.next((m) => m.type === "Transition");
    }
    const bobBefore = bob.received.length;
    await fixture.http.mutation(api.contacts.add, { owner: "alice", name: "A1", email: "a@x" });
    await alice.next((m) => m.type === "Transition" && (m.modifications as unknown[]).length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(bob.received.slice(bobBefore).filter((m) => m.type === "Transition")).toEqual([]);
    alice.close();
    bob.close();
  });

  it("re-runs a failed query when what it read changes", async () => {
    const a = await fixture.http.mutation(api.contacts.add, { owner: "dup", name: "Twin", email: "1@x" });
    await fixture.http.mutation(api.contacts.add, { owner: "dup", name: "Twin", email: "2@x" });
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 4, udfPath: "contacts:uniqueByName", args: [{ owner: "dup", name: "Twin" }] }],
    });
    const t1 = await raw.next((m) => m.type === "Transition");
    expect((t1.modifications as { type: string }[])[0]!.type).toBe("QueryFailed");
    await fixture.http.mutation(api.contacts.remove, { id: a });
    const t2 = await raw.next((m) => m.type === "Transition" && (m.modifications as unknown[]).length > 0);
    expect((t2.modifications as unknown[])[0]).toMatchObject({ type: "QueryUpdated", queryId: 4, value: "2@x" });
    raw.close();
  });

  it("ends a session whose user token expires with an AuthError for the identity it holds", async () => {
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({
      type: "Authenticate",
      tokenType: "User",
      value: await signToken(fixture.keys, "short-lived", { expiresIn: "2s" }),
      baseVersion: 0,
    });
    await raw.next((m) => m.type === "Transition" && (m.endVersion as { identity: number }).identity === 1);
    const expired = await raw.next((m) => m.type === "AuthError", 5000);
    expect(expired).toMatchObject({ error: "Token expired", baseVersion: 0, authUpdateAttempted: false });
    await waitFor(() => raw.closed, 2000, "the connection to close");
  });

  it("re-runs all queries on Authenticate and bumps the identity version", async () => {
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 3, udfPath: "contacts:whoAmI", args: [{}] }],
    });
    const t1 = await raw.next((m) => m.type === "Transition");
    raw.send({ type: "Authenticate", tokenType: "User", value: await signToken(fixture.keys, "user-3"), baseVersion: 0 });
    const t2 = await raw.next((m) => m.type === "Transition" && (m.endVersion as { identity: number }).identity === 1);
    expect(t2.startVersion).toEqual(t1.endVersion);
    expect((t2.modifications as { value: { subject: string } }[])[0]!.value.subject).toBe("user-3");
    raw.close();
  });

  it("pins a subscribed page's end with the journal, so pages stay gapless while rows come and go", async () => {
    await fixture.http.mutation(api.contacts.addMany, { owner: "pages", names: ["b", "d", "f", "h", "j", "l"] });
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [
        {
          type: "Add",
          queryId: 1,
          udfPath: "contacts:page",
          args: [{ owner: "pages", paginationOpts: { numItems: 3, cursor: null } }],
        },
      ],
    });
    const t1 = await raw.next((m) => m.type === "Transition");
    const mod1 = (
      t1.modifications as { value: { page: { name: string }[]; continueCursor: string; isDone: boolean }; journal: string }[]
    )[0]!;
    expect(mod1.value.page.map((c) => c.name)).toEqual(["b", "d", "f"]);
    expect(mod1.value.isDone).toBe(false);
    expect(typeof mod1.journal).toBe("string");
    const cursor = mod1.value.continueCursor;
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 1,
      newVersion: 2,
      modifications: [
        {
          type: "Add",
          queryId: 2,
          udfPath: "contacts:page",
          args: [{ owner: "pages", paginationOpts: { numItems: 3, cursor } }],
        },
      ],
    });
    const t2 = await raw.next((m) => m.type === "Transition" && (m.endVersion as { querySet: number }).querySet === 2);
    expect((t2.modifications as { value: { page: { name: string }[] } }[])[0]!.value.page.map((c) => c.name)).toEqual([
      "h",
      "j",
      "l",
    ]);

    // Insert inside page 1's range: page 1 grows (its end is pinned), page 2 is unchanged.
    await fixture.http.mutation(api.contacts.add, { owner: "pages", name: "c", email: "c@x" });
    const t3 = await raw.next((m) => m.type === "Transition" && (m.modifications as unknown[]).length > 0);
    const mods = t3.modifications as { queryId: number; value: { page: { name: string }[]; continueCursor: string } }[];
    expect(mods.map((m) => m.queryId)).toEqual([1]);
    expect(mods[0]!.value.page.map((c) => c.name)).toEqual(["b", "c", "d", "f"]);
    expect(mods[0]!.value.continueCursor).toBe(cursor);

    // Delete the first row of page 2: only page 2 changes.
    const all = await fixture.http.query(api.contacts.listByOwner, { owner: "pages" });
    await fixture.http.mutation(api.contacts.remove, { id: all.find((c) => c.name === "h")!._id });
    const t4 = await raw.next(
      (m) => m.type === "Transition" && (m.modifications as { queryId: number }[]).some((x) => x.queryId === 2) && m !== t3,
    );
    const mods4 = t4.modifications as { queryId: number; value: { page: { name: string }[] } }[];
    expect(mods4.map((m) => m.queryId)).toEqual([2]);
    expect(mods4[0]!.value.page.map((c) => c.name)).toEqual(["j", "l"]);
    raw.close();
  });

  it("accepts the admin key on Authenticate, acting as an identity, and rejects a wrong one", async () => {
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 1, udfPath: "contacts:whoAmI", args: [{}] }],
    });
    await raw.next((m) => m.type === "Transition");
    raw.send({
      type: "Authenticate",
      tokenType: "Admin",
      value: fixture.backend.adminKey,
      baseVersion: 0,
      impersonating: { subject: "imp", issuer: "https://i", tokenIdentifier: "https://i|imp" },
    });
    const t = await raw.next((m) => m.type === "Transition" && (m.endVersion as { identity: number }).identity === 1);
    expect((t.modifications as { value: unknown }[])[0]!.value).toMatchObject({ tokenIdentifier: "https://i|imp" });
    raw.send({ type: "Authenticate", tokenType: "Admin", value: "local|nope", baseVersion: 1 });
    expect(await raw.next((m) => m.type === "AuthError")).toMatchObject({ baseVersion: 1 });
    raw.close();
  });

  it("rejects arguments over 16 MiB (in a message within the limit) with a function error, keeping the connection", async () => {
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({
      type: "Mutation",
      requestId: 1,
      udfPath: "contacts:add",
      args: [{ owner: "x".repeat(16 * 1024 * 1024), name: "n", email: "e" }],
    });
    const response = await raw.next((m) => m.type === "MutationResponse", 10_000);
    expect(response).toMatchObject({ success: false, result: expect.stringMatching(/too large/) as string });
    expect(raw.closed).toBe(false);
    raw.close();
  });

  it("pings, and answers malformed frames with a FatalError without affecting others", async () => {
    const healthy = await RawSyncClient.open(fixture.backend.url);
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send("{this is not json");
    const fatal = await raw.next((m) => m.type === "FatalError");
    expect(String(fatal.error)).toMatch(/Malformed/);
    await waitFor(() => raw.closed, 2000, "close after FatalError");
    const raw2 = await RawSyncClient.open(fixture.backend.url);
    raw2.send({ type: "Bogus" });
    await raw2.next((m) => m.type === "FatalError");
    raw2.close();
    const raw3 = await RawSyncClient.open(fixture.backend.url);
    raw3.send({ type: "ModifyQuerySet", baseVersion: 5, newVersion: 6, modifications: [] });
    expect(String((await raw3.next((m) => m.type === "FatalError")).error)).toMatch(/Base version/);
    raw3.close();
    // Unknown functions are a failed query, not a broken connection.
    healthy.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 9, udfPath: "nope:missing", args: [{}] }],
    });
    const t = await healthy.next((m: ServerMessage) => m.type === "Transition");
    expect((t.modifications as { type: string; errorMessage: string }[])[0]).toMatchObject({
      type: "QueryFailed",
      errorMessage: expect.stringMatching(/Could not find public function/) as string,
    });
    healthy.close();
  });
});
