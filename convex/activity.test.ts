/**
 * A customer's history under convex-test: each kind of change is recorded by the mutation that
 * makes it, once, by whom, newest first; a change that fails or changes nothing records nothing;
 * only members read it; it goes with its customer.
 */
import type { PaginationResult } from "convex/server";
import { ConvexError } from "convex/values";
import { describe, expect, it, vi } from "vitest";
import type { ActivityEntry } from "./activity";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { NOT_FOUND } from "./lib/errors";
import { projectConvexTest } from "./test.setup";

const ISSUER = "https://issuer.test";

function setup() {
  const t = projectConvexTest();
  const as = (email: string, name?: string) =>
    t.withIdentity({ subject: email, issuer: ISSUER, email, emailVerified: true, ...(name ? { name } : {}) });
  return { t, as, ada: as("ada@example.com", "Ada Lovelace"), grace: as("grace@example.com") };
}
type Caller = ReturnType<ReturnType<typeof setup>["as"]>;

async function history(caller: Caller, customerId: string, workspaceId?: Id<"workspaces">) {
  const result: PaginationResult<ActivityEntry> = await caller.query(api.activity.list, {
    customerId,
    paginationOpts: { numItems: 100, cursor: null },
    ...(workspaceId ? { workspaceId } : {}),
  });
  return result.page.map(({ actorName, change }) => ({ actorName, ...change }));
}

async function codeOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => null,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string }>).data.code;
}

/** Ada's team, with Grace as a member. */
async function team() {
  const setupResult = setup();
  const { ada, grace } = setupResult;
  const workspaceId = await ada.mutation(api.workspaces.create, { name: "Analytical" });
  const invitationId = await ada.mutation(api.workspaces.invite, { workspaceId, email: "grace@example.com", role: "member" });
  await grace.mutation(api.workspaces.acceptInvitation, { invitationId });
  return { ...setupResult, workspaceId };
}

describe("activity", () => {
  it("records a customer's creation, by the name the identity gives (else the email)", async () => {
    const { ada, grace } = setup();
    const adas = await ada.mutation(api.customers.create, { name: "Babbage", email: "charles@example.com" });
    const graces = await grace.mutation(api.customers.create, { name: "Hopper", email: "hopper@example.com" });
    expect(await history(ada, adas)).toEqual([{ actorName: "Ada Lovelace", kind: "created" }]);
    expect(await history(grace, graces)).toEqual([{ actorName: "grace@example.com", kind: "created" }]);
  });

  it("records a CSV import's customers with the file they came from, and its updates as edits", async () => {
    const { ada } = setup();
    const existing = await ada.mutation(api.customers.create, { name: "Babbage", email: "charles@example.com" });
    const results = await ada.mutation(api.imports.importBatch, {
      importId: "import-0001",
      fileName: " customers.csv ",
      onDuplicate: "update",
      rows: [
        { row: 2, name: "One", email: "one@example.com" },
        { row: 3, name: "Babbage", email: "charles@example.com", company: "Engines" },
      ],
    });
    const created = results.find((result) => result.row === 2)!;
    expect("customerId" in created && (await history(ada, created.customerId))).toEqual([
      { actorName: "Ada Lovelace", kind: "created", importedFrom: "customers.csv" },
    ]);
    expect(await history(ada, existing)).toEqual([
      { actorName: "Ada Lovelace", kind: "field", field: "company", to: "Engines" },
      { actorName: "Ada Lovelace", kind: "created" },
    ]);
  });

  it("records every field an update changes, old → new, and status in words of its own, newest first", async () => {
    const { ada } = setup();
    const id = await ada.mutation(api.customers.create, { name: "Babbage", email: "charles@example.com", company: "Engines" });
    await ada.mutation(api.customers.update, { id, phone: "+44 20 7946 0000", status: "active" });
    await ada.mutation(api.customers.update, { id, company: "", email: "babbage@example.com" });
    // Newest first; the entries of one change were recorded in field order, so they list in reverse.
    expect(await history(ada, id)).toEqual([
      { actorName: "Ada Lovelace", kind: "field", field: "company", from: "Engines" },
      { actorName: "Ada Lovelace", kind: "field", field: "email", from: "charles@example.com", to: "babbage@example.com" },
      { actorName: "Ada Lovelace", kind: "status", from: "lead", to: "active" },
      { actorName: "Ada Lovelace", kind: "field", field: "phone", to: "+44 20 7946 0000" },
      { actorName: "Ada Lovelace", kind: "created" },
    ]);
  });

  it("records nothing for an update that changes nothing, one that fails, or one by someone without access", async () => {
    const { ada, grace } = setup();
    const id = await ada.mutation(api.customers.create, { name: "Babbage", email: "charles@example.com", company: "Engines" });
    // The same values, as a form saved without changes sends them (trimmed on the way in).
    await ada.mutation(api.customers.update, { id, name: " Babbage ", company: "Engines", status: "lead" });
    // Valid name, invalid email: the whole change fails, and with it the history of the name.
    expect(await codeOf(ada.mutation(api.customers.update, { id, name: "Charles", email: "nope" }))).toBe("INVALID_INPUT");
    expect(await codeOf(grace.mutation(api.customers.update, { id, name: "Mine" }))).toBe(NOT_FOUND);
    expect(await history(ada, id)).toEqual([{ actorName: "Ada Lovelace", kind: "created" }]);
  });

  it("names the teammate who made a change; only members read a customer's history", async () => {
    const { ada, grace, as, workspaceId } = await team();
    const id = await ada.mutation(api.customers.create, { workspaceId, name: "Babbage", email: "charles@example.com" });
    await grace.mutation(api.customers.update, { workspaceId, id, status: "inactive" });
    const expected = [
      { actorName: "grace@example.com", kind: "status", from: "lead", to: "inactive" },
      { actorName: "Ada Lovelace", kind: "created" },
    ];
    expect(await history(ada, id, workspaceId)).toEqual(expected);
    expect(await history(grace, id, workspaceId)).toEqual(expected);

    const outsider = as("mallory@example.com");
    expect(await codeOf(history(outsider, id, workspaceId))).toBe(NOT_FOUND);
    // Without the workspace (their personal one), the customer is not theirs: an empty history.
    expect(await history(outsider, id)).toEqual([]);
    expect(await history(ada, "not-an-id", workspaceId)).toEqual([]);
  });

  it("pages through a long history newest first, each entry once", async () => {
    const { ada } = setup();
    const id = await ada.mutation(api.customers.create, { name: "Babbage", email: "charles@example.com" });
    for (let i = 0; i < 12; i++) await ada.mutation(api.customers.update, { id, phone: `+1 555 ${1000 + i}` });
    const phones: (string | undefined)[] = [];
    let cursor: string | null = null;
    for (;;) {
      const result: PaginationResult<ActivityEntry> = await ada.query(api.activity.list, {
        customerId: id,
        paginationOpts: { numItems: 5, cursor },
      });
      phones.push(...result.page.map((entry) => (entry.change.kind === "field" ? entry.change.to : entry.change.kind)));
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    expect(phones).toEqual([...Array.from({ length: 12 }, (_, i) => `+1 555 ${1011 - i}`), "created"]);
  });

  it("goes with its customer: unreadable at once, deleted in batches", async () => {
    vi.useFakeTimers();
    try {
      const { t, ada } = setup();
      const id = await ada.mutation(api.customers.create, { name: "Babbage", email: "charles@example.com" });
      const kept = await ada.mutation(api.customers.create, { name: "Kept", email: "kept@example.com" });
      for (let i = 0; i < 600; i++) {
        await t.run(async (ctx) => {
          const customerId = id as Id<"customers">;
          const customer = await ctx.db.get("customers", customerId);
          await ctx.db.insert("activity", {
            workspaceId: customer!.workspaceId!,
            customerId,
            actorId: "test",
            actorName: "Test",
            change: { kind: "field", field: "phone", to: String(i) },
          });
        });
      }
      await ada.mutation(api.customers.remove, { id });
      expect(await history(ada, id)).toEqual([]);
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      const left = await t.run(async (ctx) => (await ctx.db.query("activity").collect()).map((entry) => entry.customerId));
      expect(left).toEqual([kept]);
    } finally {
      vi.useRealTimers();
    }
  });
});
