import { ConvexHttpClient } from "convex/browser";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "./fixtures/convex/_generated/api";
import { adminClient, asPublic, startTestBackend, type TestBackend } from "./helpers";

let backend: TestBackend;
let client: ConvexHttpClient;

beforeAll(async () => {
  backend = await startTestBackend({ env: { GREETING: "hello from env" } });
  client = new ConvexHttpClient(backend.url);
});
afterAll(async () => {
  await backend.destroy();
});

describe("HTTP API through ConvexHttpClient", () => {
  it("answers /version when ready", async () => {
    const res = await fetch(`${backend.url}/version`);
    expect(res.status).toBe(200);
  });

  it("inserts, reads, patches, replaces and deletes with real Convex ids", async () => {
    const id = await client.mutation(api.contacts.add, { owner: "o1", name: "Ada", email: "ada@example.com", score: 7 });
    expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{32}$/);
    const doc = await client.query(api.contacts.get, { id });
    expect(doc).toMatchObject({ _id: id, owner: "o1", name: "Ada", status: "lead", score: 7 });
    expect(typeof doc!._creationTime).toBe("number");
    expect(Math.abs(doc!._creationTime - Date.now())).toBeLessThan(60_000);

    const renamed = await client.mutation(api.contacts.rename, { id, name: "Ada L." });
    expect(renamed).toMatchObject({ name: "Ada L." });
    expect(renamed).not.toHaveProperty("score");

    const replaced = await client.mutation(api.contacts.replaceOne, { id });
    expect(replaced).toMatchObject({ _id: id, name: "Replaced", status: "active", _creationTime: doc!._creationTime });

    await client.mutation(api.contacts.remove, { id });
    expect(await client.query(api.contacts.get, { id })).toBeNull();
  });

  it("normalizes ids: valid for the right table only", async () => {
    const id = await client.mutation(api.contacts.add, { owner: "norm", name: "N", email: "n@x" });
    expect(await client.query(api.contacts.normalize, { table: "contacts", id })).toBe(id);
    expect(await client.query(api.contacts.normalize, { table: "logs", id })).toBeNull();
    expect(await client.query(api.contacts.normalize, { table: "contacts", id: "not-an-id" })).toBeNull();
    // A flipped character breaks the checksum.
    const flipped = id.slice(0, 10) + (id[10] === "a" ? "b" : "a") + id.slice(11);
    expect(await client.query(api.contacts.normalize, { table: "contacts", id: flipped })).toBeNull();
  });

  it("runs index ranges, order, filter, take, first, unique", async () => {
    await client.mutation(api.contacts.addMany, { owner: "range", names: ["Carol", "Alice", "Eve", "Bob", "Dave"] });
    expect(await client.query(api.contacts.namesBetween, { owner: "range", from: "B", to: "E" })).toEqual([
      "Bob",
      "Carol",
      "Dave",
    ]);
    const r = await client.query(api.contacts.firstAndTake, { owner: "range" });
    expect(r.first).toBe("Alice");
    expect(r.lastTwo).toEqual(["Eve", "Dave"]);
    expect(await client.query(api.contacts.uniqueByName, { owner: "range", name: "Eve" })).toBe("eve@example.com");
    const desc = await client.query(api.contacts.listByOwner, { owner: "range" });
    expect(desc.map((c) => c.name)).toEqual(["Dave", "Bob", "Eve", "Alice", "Carol"]);
  });

  it("filters with expressions", async () => {
    await client.mutation(api.contacts.add, { owner: "f", name: "Low", email: "l@x", score: 1 });
    await client.mutation(api.contacts.add, { owner: "f", name: "High", email: "h@x", score: 9 });
    await client.mutation(api.contacts.add, { owner: "f", name: "None", email: "n@x" });
    const r = await client.query(api.contacts.firstAndTake, { owner: "f" });
    expect(r.scored).toEqual(["High"]);
  });

  it("passes ConvexError data through and rolls the mutation back", async () => {
    const error = await client.mutation(api.contacts.addThenFail, { owner: "atomic" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data).toEqual({ code: "DELIBERATE", owner: "atomic" });
    expect(await client.query(api.contacts.listByOwner, { owner: "atomic" })).toEqual([]);
  });

  it("reports plain errors, schema violations, bad args and bad returns in Convex's words", async () => {
    await expect(client.mutation(api.contacts.failPlain, {})).rejects.toThrow(/Server Error\nUncaught Error: plain failure/);
    await expect(client.mutation(api.contacts.badWrite, { owner: "bad" })).rejects.toThrow(/does not match the schema/);
    await expect(client.mutation(api.contacts.add, { owner: "x", name: 3 as unknown as string, email: "e" })).rejects.toThrow(
      /ArgumentValidationError/,
    );
    await expect(client.query(api.contacts.get, { id: "nope" as never })).rejects.toThrow(/ArgumentValidationError/);
    await expect(client.query(api.contacts.badReturn, {})).rejects.toThrow(/ReturnsValidationError/);
  });

  it("rejects unknown and internal functions from clients", async () => {
    await expect(client.query("contacts:doesNotExist" as never, {})).rejects.toThrow(
      /Could not find public function for 'contacts:doesNotExist'/,
    );
    await expect(client.query(asPublic(internal.contacts.secretCount), { owner: "x" })).rejects.toThrow(
      /Could not find public function/,
    );
  });

  it("lets the admin key call internal functions, optionally as a user", async () => {
    const admin = adminClient(backend.url, backend.adminKey);
    await admin.mutation(asPublic(internal.contacts.internalAdd), { owner: "admin", name: "Root" });
    expect(await admin.query(asPublic(internal.contacts.secretCount), { owner: "admin" })).toBe(1);
    const actingAs = adminClient(backend.url, backend.adminKey, {
      subject: "u1",
      issuer: "https://i",
      tokenIdentifier: "https://i|u1",
    });
    expect(await actingAs.query(api.contacts.whoAmI, {})).toMatchObject({ tokenIdentifier: "https://i|u1" });
    const wrong = adminClient(backend.url, "local|wrong");
    await expect(wrong.query(asPublic(internal.contacts.secretCount), { owner: "admin" })).rejects.toThrow(/admin key/);
  });

  it("runs actions with runQuery/runMutation, and passes the deployment env", async () => {
    const r = await client.action(api.jobs.countAndAdd, { owner: "act", name: "FromAction" });
    expect(r).toMatchObject({ before: 0, after: 1 });
    expect(await client.action(api.jobs.callPublic, {})).toBe("hello from env");
    expect(await client.action(api.jobs.viaRunAction, {})).toBe("hello from env");
    expect(await client.query(api.jobs.envValue, { name: "PATH" })).toBeNull();
  });

  it("runs nested mutations and queries in the same transaction", async () => {
    expect(await client.mutation(api.jobs.nested, { owner: "nest" })).toBe(1);
  });

  it("reads consistently at a timestamp (query_ts / query_at_ts)", async () => {
    const ssr = new ConvexHttpClient(backend.url);
    await client.mutation(api.contacts.add, { owner: "ts", name: "Before", email: "b@x" });
    const first = await ssr.consistentQuery(api.contacts.listByOwner, { owner: "ts" });
    await client.mutation(api.contacts.add, { owner: "ts", name: "After", email: "a@x" });
    const second = await ssr.consistentQuery(api.contacts.listByOwner, { owner: "ts" });
    expect(first.map((c) => c.name)).toEqual(["Before"]);
    expect(second.map((c) => c.name)).toEqual(["Before"]);
    expect((await client.query(api.contacts.listByOwner, { owner: "ts" })).length).toBe(2);
  });

  it("returns what functions log as logLines, in Convex's format", async () => {
    const res = await fetch(`${backend.url}/api/query`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "jobs:logged", args: [{}], format: "convex_encoded_json" }),
    });
    expect(await res.json()).toEqual({
      status: "success",
      value: "done",
      logLines: ["[LOG] 'hello' 42", "[WARN] { careful: true }"],
    });
  });

  it("logs console.time, timeLog and timeEnd as Convex does: one line each, timers per execution", async () => {
    const res = await fetch(`${backend.url}/api/action`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "jobs:timed", args: [{}], format: "convex_encoded_json" }),
    });
    const body = (await res.json()) as { status: string; logLines: string[] };
    expect(body.status).toBe("success");
    expect(body.logLines).toHaveLength(5);
    const [again, log, end, missing, byDefault] = body.logLines;
    expect(again).toBe(`[WARN] "Timer 'step' already exists"`);
    expect(log).toMatch(/^\[INFO\] 'step: \d+ms' 'halfway' 1$/);
    expect(end).toMatch(/^\[INFO\] 'step: \d+ms'$/);
    expect(missing).toBe(`[WARN] "Timer 'step' does not exist"`);
    expect(byDefault).toMatch(/^\[INFO\] 'default: \d+ms'$/);
  });

  it("runs any function kind through /api/function", async () => {
    const res = await fetch(`${backend.url}/api/function`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "jobs:envValue", args: { name: "GREETING" }, format: "convex_encoded_json" }),
    });
    expect(await res.json()).toMatchObject({ status: "success", value: "hello from env" });
  });

  it("survives malformed requests with clear 4xx errors", async () => {
    const post = (path: string, body: string) =>
      fetch(`${backend.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    let res = await post("/api/query", "{not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "BadJsonBody" });
    res = await post("/api/mutation", JSON.stringify({ args: [{}] }));
    expect(res.status).toBe(400);
    res = await post(
      "/api/query",
      JSON.stringify({ path: "contacts:get", args: [{ id: { $weird: 1 } }], format: "convex_encoded_json" }),
    );
    expect(res.status).toBe(560);
    expect(await res.json()).toMatchObject({ status: "error" });
    // Arguments just over 16 MiB in a body within Convex's request limit: a function error.
    const big = "x".repeat(16 * 1024 * 1024);
    res = await post(
      "/api/mutation",
      JSON.stringify({ path: "contacts:add", args: [{ owner: big, name: "n", email: "e" }], format: "convex_encoded_json" }),
    );
    expect(res.status).toBe(560);
    expect((await res.json()) as { errorMessage: string }).toMatchObject({
      errorMessage: expect.stringMatching(/too large/) as string,
    });
    res = await post(
      "/api/mutation",
      JSON.stringify({
        path: "contacts:add",
        args: [{ owner: "x".repeat(1024 * 1024 + 10), name: "n", email: "e" }],
        format: "convex_encoded_json",
      }),
    );
    expect(res.status).toBe(560);
    expect((await res.json()) as { errorMessage: string }).toMatchObject({
      errorMessage: expect.stringMatching(/Document is too large/) as string,
    });
    res = await post("/api/mutation", "x".repeat(21 * 1024 * 1024));
    expect(res.status).toBe(413);
    // Still serving.
    expect(await client.query(api.contacts.listByOwner, { owner: "nobody" })).toEqual([]);
  });
});
