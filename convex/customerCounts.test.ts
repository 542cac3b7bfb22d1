/**
 * The list's status counts and weekly chart (lib/customerCounts.ts) under convex-test with the
 * real aggregate component: every write keeps them in step, each workspace counts its own, and
 * the backfill counts rows written before the counts existed (safe to run twice).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { projectConvexTest } from "./test.setup";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { CHART_WEEKS, WEEK_MS, weekStartOf } from "./lib/weeks";

const ISSUER = "https://issuer.test";
const firstPage = { numItems: 5, cursor: null };
// A Wednesday, 2026-12-09 15:00 UTC; its week starts on Monday 2026-12-07.
const NOW = Date.UTC(2026, 11, 9, 15);
const THIS_WEEK = Date.UTC(2026, 11, 7);

function setup() {
  const t = projectConvexTest();
  const as = (email: string) => t.withIdentity({ subject: email, issuer: ISSUER, email, emailVerified: true });
  return { t, alice: as("alice@example.com"), bob: as("bob@example.com") };
}
type Caller = ReturnType<typeof setup>["alice"];

async function summaryOf(caller: Caller, workspaceId?: Id<"workspaces">) {
  const result = await caller.query(api.customers.listByUser, {
    paginationOpts: firstPage,
    summaryWeek: NOW,
    ...(workspaceId ? { workspaceId } : {}),
  });
  return result.summary!;
}

afterEach(() => vi.useRealTimers());

describe("weekStartOf", () => {
  it("is Monday 00:00 UTC of the week, for any time in it", () => {
    expect(weekStartOf(NOW)).toBe(THIS_WEEK);
    expect(weekStartOf(THIS_WEEK)).toBe(THIS_WEEK);
    expect(weekStartOf(THIS_WEEK - 1)).toBe(THIS_WEEK - WEEK_MS);
    expect(weekStartOf(THIS_WEEK + WEEK_MS - 1)).toBe(THIS_WEEK);
  });
});

describe("customer counts", () => {
  it("follow create, bulk create, a status change and a delete; other edits leave them", async () => {
    vi.useFakeTimers({ now: NOW, toFake: ["Date"] });
    const { alice } = setup();
    expect((await summaryOf(alice)).counts).toEqual({ all: 0, lead: 0, active: 0, inactive: 0 });
    const id = await alice.mutation(api.customers.create, { name: "Ada", email: "ada@example.com" });
    await alice.mutation(api.customers.createMany, {
      customers: [
        { name: "Bea", email: "bea@example.com", status: "active" },
        { name: "Cy", email: "cy@example.com", status: "active" },
      ],
    });
    expect((await summaryOf(alice)).counts).toEqual({ all: 3, lead: 1, active: 2, inactive: 0 });
    await alice.mutation(api.customers.update, { id, status: "inactive" });
    await alice.mutation(api.customers.update, { id, company: "Engines" });
    expect((await summaryOf(alice)).counts).toEqual({ all: 3, lead: 0, active: 2, inactive: 1 });
    await alice.mutation(api.customers.remove, { id });
    expect((await summaryOf(alice)).counts).toEqual({ all: 2, lead: 0, active: 2, inactive: 0 });
  });

  it("count new customers per week, oldest week first, by their current status", async () => {
    const { alice } = setup();
    // In order: creation times only grow.
    vi.useFakeTimers({ now: THIS_WEEK - 12 * WEEK_MS + 5, toFake: ["Date"] });
    await alice.mutation(api.customers.create, { name: "Too old", email: "too-old@example.com" });
    vi.setSystemTime(THIS_WEEK - 3 * WEEK_MS + 1000);
    await alice.mutation(api.customers.create, { name: "Old", email: "old@example.com", status: "active" });
    vi.setSystemTime(NOW);
    await alice.mutation(api.customers.create, { name: "New", email: "new@example.com" });
    await alice.mutation(api.customers.create, { name: "Newer", email: "newer@example.com", status: "active" });

    const { counts, weeks } = await summaryOf(alice);
    expect(counts.all).toBe(4);
    expect(weeks).toHaveLength(CHART_WEEKS);
    expect(weeks[0]!.start).toBe(THIS_WEEK - (CHART_WEEKS - 1) * WEEK_MS);
    expect(weeks.at(-1)).toEqual({ start: THIS_WEEK, counts: { lead: 1, active: 1, inactive: 0 } });
    expect(weeks.at(-4)).toEqual({ start: THIS_WEEK - 3 * WEEK_MS, counts: { lead: 0, active: 1, inactive: 0 } });
    // Twelve weeks back is outside the chart.
    expect(weeks.reduce((sum, week) => sum + week.counts.lead + week.counts.active + week.counts.inactive, 0)).toBe(3);
  });

  it("are each workspace's own, come only with the first page when asked, and start empty", async () => {
    const { alice, bob } = setup();
    await alice.mutation(api.customers.create, { name: "Ada", email: "ada@example.com" });
    const team = await bob.mutation(api.workspaces.create, { name: "Team" });
    await bob.mutation(api.customers.create, { name: "Bo", email: "bo@example.com", workspaceId: team });
    await bob.mutation(api.customers.create, { name: "Bi", email: "bi@example.com", workspaceId: team });
    expect((await summaryOf(alice)).counts.all).toBe(1);
    expect((await summaryOf(bob, team)).counts.all).toBe(2);
    // Bob's personal workspace does not exist yet: an empty summary, weeks included.
    const empty = await summaryOf(bob);
    expect(empty.counts).toEqual({ all: 0, lead: 0, active: 0, inactive: 0 });
    expect(empty.weeks).toHaveLength(CHART_WEEKS);

    const plain = await alice.query(api.customers.listByUser, { paginationOpts: { numItems: 1, cursor: null } });
    expect(plain.summary).toBeNull();
    await alice.mutation(api.customers.create, { name: "Al", email: "al@example.com" });
    const first = await alice.query(api.customers.listByUser, {
      paginationOpts: { numItems: 1, cursor: null },
      summaryWeek: NOW,
    });
    const next = await alice.query(api.customers.listByUser, {
      paginationOpts: { numItems: 1, cursor: first.continueCursor },
      summaryWeek: NOW,
    });
    expect(first.summary?.counts.all).toBe(2);
    expect(next.summary).toBeNull();
  });

  it("the backfill counts rows from before them (and gives them an emailKey), once", async () => {
    const { t, alice } = setup();
    const workspaceId = await alice.mutation(api.workspaces.create, { name: "Team" });
    const legacy = (i: number, status: "lead" | "active") => ({
      workspaceId,
      userId: `${ISSUER}|alice@example.com`,
      name: `Old ${i}`,
      email: `Old${i}@Example.com`,
      status,
      searchText: `Old ${i}`,
    });
    const ids = await t.run(async (ctx) => {
      const written: Id<"customers">[] = [];
      for (let i = 0; i < 5; i++) written.push(await ctx.db.insert("customers", legacy(i, i < 2 ? "active" : "lead")));
      return written;
    });
    // Written before the counts: not counted yet, and a change or delete of one works regardless.
    expect((await summaryOf(alice, workspaceId)).counts.all).toBe(0);
    await alice.mutation(api.customers.update, { id: ids[0]!, status: "inactive", workspaceId });
    await alice.mutation(api.customers.remove, { id: ids[1]!, workspaceId });
    expect((await summaryOf(alice, workspaceId)).counts).toEqual({ all: 1, lead: 0, active: 0, inactive: 1 });

    expect(await t.mutation(internal.migrations.customersBackfill, { batchSize: 2 })).toEqual({ migrated: 2, done: false });
    expect(await t.mutation(internal.migrations.customersBackfill, { batchSize: 2 })).toEqual({ migrated: 1, done: true });
    expect(await t.mutation(internal.migrations.customersBackfill, {})).toEqual({ migrated: 0, done: true });
    expect((await summaryOf(alice, workspaceId)).counts).toEqual({ all: 4, lead: 3, active: 0, inactive: 1 });
    const keys = await t.run(async (ctx) => (await ctx.db.query("customers").collect()).map((c) => c.emailKey));
    expect(keys.sort()).toEqual(["old0@example.com", "old2@example.com", "old3@example.com", "old4@example.com"]);
  });
});
