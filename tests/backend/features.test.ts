import { ConvexHttpClient } from "convex/browser";
import { describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { fixtureBackend, startTestBackend, waitFor } from "./helpers";

const fixture = fixtureBackend();

describe("pagination", () => {
  it("walks every row exactly once with cursors while rows are inserted and removed", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(3, "0")}`);
    await fixture.http.mutation(api.contacts.addMany, { owner: "pg", names });
    const seen: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    for (;;) {
      const r: { page: { name: string; _id: string }[]; isDone: boolean; continueCursor: string } = await fixture.http.query(
        api.contacts.page,
        { owner: "pg", paginationOpts: { numItems: 7, cursor } },
      );
      seen.push(...r.page.map((c) => c.name));
      if (page === 1) {
        // Behind the cursor (must not appear) and ahead of it (must appear).
        await fixture.http.mutation(api.contacts.add, { owner: "pg", name: "n000a", email: "x" });
        await fixture.http.mutation(api.contacts.add, { owner: "pg", name: "n999", email: "x" });
        const all = await fixture.http.query(api.contacts.listByOwner, { owner: "pg" });
        await fixture.http.mutation(api.contacts.remove, { id: all.find((c) => c.name === "n030")!._id });
      }
      page++;
      if (r.isDone) break;
      cursor = r.continueCursor;
    }
    const expected = [...names.filter((n) => n !== "n030"), "n999"];
    expect(seen).toEqual(expected);
  });

  it("rejects a garbage cursor with Convex's error", async () => {
    await expect(
      fixture.http.query(api.contacts.page, { owner: "pg", paginationOpts: { numItems: 5, cursor: "garbage" } }),
    ).rejects.toThrow("Uncaught Error: Failed to parse cursor");
  });
});

describe("search", () => {
  it("matches terms and a prefix of the last term, filters by filterFields, ranks by relevance", async () => {
    await fixture.http.mutation(api.contacts.add, {
      owner: "s1",
      name: "Grace Hopper",
      email: "grace@navy.mil",
      status: "active",
    });
    await fixture.http.mutation(api.contacts.add, { owner: "s1", name: "Grace Kelly", email: "grace@monaco.mc" });
    await fixture.http.mutation(api.contacts.add, { owner: "s1", name: "Alan Turing", email: "alan@bletchley.uk" });
    await fixture.http.mutation(api.contacts.add, { owner: "s2", name: "Grace Other", email: "grace@other.org" });
    expect((await fixture.http.query(api.contacts.search, { owner: "s1", term: "grace" })).sort()).toEqual([
      "Grace Hopper",
      "Grace Kelly",
    ]);
    expect(await fixture.http.query(api.contacts.search, { owner: "s1", term: "hop" })).toEqual(["Grace Hopper"]);
    expect(await fixture.http.query(api.contacts.search, { owner: "s1", term: "grace kel" })).toEqual([
      "Grace Kelly",
      "Grace Hopper",
    ]);
    expect(await fixture.http.query(api.contacts.search, { owner: "s1", term: "grace", status: "active" })).toEqual([
      "Grace Hopper",
    ]);
    expect(await fixture.http.query(api.contacts.search, { owner: "s1", term: "nobody" })).toEqual([]);
    expect(await fixture.http.query(api.contacts.search, { owner: "s2", term: "GRACE" })).toEqual(["Grace Other"]);
  });
});

describe("transactions", () => {
  it("serializes concurrent read-modify-write mutations (no lost updates)", async () => {
    const fresh = await startTestBackend();
    try {
      const clients = Array.from({ length: 10 }, () => new ConvexHttpClient(fresh.url));
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => clients[i % clients.length]!.mutation(api.jobs.increment, {})),
      );
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    } finally {
      await fresh.destroy();
    }
  });
});

describe("search pagination", () => {
  it("pages through ranked search results without duplicates or gaps", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `Finder${i}`);
    await fixture.http.mutation(api.contacts.addMany, { owner: "sp", names });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const r: { page: { name: string }[]; isDone: boolean; continueCursor: string } = await fixture.http.query(
        api.contacts.searchPage,
        {
          owner: "sp",
          term: "example",
          paginationOpts: { numItems: 5, cursor },
        },
      );
      seen.push(...r.page.map((c) => c.name));
      pages++;
      if (r.isDone) break;
      cursor = r.continueCursor;
    }
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual([...names].sort());
  });
});

describe("scheduler", () => {
  it("runs scheduled mutations after their delay, and from actions", async () => {
    // Far enough ahead to be still pending whatever the machine's load.
    const farAhead = await fixture.http.mutation(api.jobs.scheduleLog, { message: "much later", delayMs: 600_000 });
    expect(await fixture.http.query(api.jobs.jobState, { id: farAhead })).toBe("pending");
    const id = await fixture.http.mutation(api.jobs.scheduleLog, { message: "later", delayMs: 50 });
    await waitFor(async () => (await fixture.http.query(api.jobs.logs, {})).includes("later"), 3000, "scheduled log");
    expect(await fixture.http.query(api.jobs.jobState, { id })).toBe("success");
    await fixture.http.action(api.jobs.countAndAdd, { owner: "sch", name: "Z" });
    await waitFor(async () => (await fixture.http.query(api.jobs.logs, {})).includes("action added Z"), 3000, "log from action");
  });

  it("runs functions scheduled with runAt at their time", async () => {
    const at = Date.now() + 150;
    const id = await fixture.http.mutation(api.jobs.scheduleAt, { message: "at a time", atMs: at });
    await waitFor(async () => (await fixture.http.query(api.jobs.logs, {})).includes("at a time"), 3000, "runAt log");
    expect(Date.now()).toBeGreaterThanOrEqual(at);
    expect(await fixture.http.query(api.jobs.jobState, { id })).toBe("success");
  });

  it("does not run functions scheduled by a mutation that failed", async () => {
    await expect(fixture.http.mutation(api.jobs.scheduleThenFail, {})).rejects.toThrow(/rolled back/);
    await new Promise((r) => setTimeout(r, 100));
    expect(await fixture.http.query(api.jobs.logs, {})).not.toContain("must never run");
  });
});
