/**
 * imports:importBatch under convex-test: rows checked with the form's rules, duplicates by email
 * skipped or updating, a batch sent again writing nothing twice, access as for any customer
 * write, and receipts forgotten after a day.
 */
import { ConvexError } from "convex/values";
import { afterEach, describe, expect, it, vi } from "vitest";
import { projectConvexTest } from "./test.setup";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { RECEIPT_TTL_MS } from "./imports";

const ISSUER = "https://issuer.test";
const IMPORT_ID = "3f0c9a52-7d1e-4b8a-9c61-2e5f0a7b8c9d";
// An asymmetric matcher, typed as what it stands for.
const anyId: unknown = expect.any(String);

function setup() {
  const t = projectConvexTest();
  const as = (email: string) => t.withIdentity({ subject: email, issuer: ISSUER, email, emailVerified: true });
  return { t, alice: as("alice@example.com"), mallory: as("mallory@example.com") };
}
type Caller = ReturnType<typeof setup>["alice"];

type Row = { row: number; name: string; email: string; company?: string; status?: "lead" | "active" | "inactive" };

const importRows = (caller: Caller, rows: Row[], options: { onDuplicate?: "skip" | "update"; importId?: string } = {}) =>
  caller.mutation(api.imports.importBatch, {
    importId: options.importId ?? IMPORT_ID,
    fileName: "customers.csv",
    onDuplicate: options.onDuplicate ?? "skip",
    rows,
  });

async function customers(caller: Caller, workspaceId?: Id<"workspaces">) {
  const result = await caller.query(api.customers.listByUser, {
    paginationOpts: { numItems: 100, cursor: null },
    sort: "name",
    summaryWeek: Date.now(),
    ...(workspaceId ? { workspaceId } : {}),
  });
  return {
    rows: result.page.map(({ name, email, company, status }) => ({ name, email, company, status })),
    counts: result.summary!.counts,
  };
}

async function errorOf(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await call.then(
    () => null,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string; message: string }>).data;
}

afterEach(() => vi.useRealTimers());

describe("imports:importBatch", () => {
  it("writes valid rows, answers invalid ones with the form's messages, and counts what it wrote", async () => {
    const { alice } = setup();
    const results = await importRows(alice, [
      { row: 2, name: "Ada", email: "ada@example.com", status: "active" },
      { row: 3, name: "", email: "not-an-email" },
      { row: 4, name: "Bob", email: "bob@example.com" },
    ]);
    expect(results).toEqual([
      { row: 2, outcome: "created", customerId: anyId },
      { row: 3, outcome: "rejected", fields: { name: "Enter a name", email: "Enter a valid email address" } },
      { row: 4, outcome: "created", customerId: anyId },
    ]);
    expect(await customers(alice)).toEqual({
      rows: [
        { name: "Ada", email: "ada@example.com", company: undefined, status: "active" },
        { name: "Bob", email: "bob@example.com", company: undefined, status: "lead" },
      ],
      counts: { all: 2, lead: 1, active: 1, inactive: 0 },
    });
  });

  it("a batch sent again (same import, same rows) writes nothing twice and answers as the first time", async () => {
    const { alice } = setup();
    const rows = [
      { row: 2, name: "Ada", email: "ada@example.com" },
      { row: 3, name: "Bob", email: "bob@example.com" },
    ];
    const first = await importRows(alice, rows, { onDuplicate: "update" });
    // The retry also carries a row the first attempt never sent: only that one is written.
    const again = await importRows(alice, [...rows, { row: 4, name: "Cy", email: "cy@example.com" }], { onDuplicate: "update" });
    expect(again.slice(0, 2)).toEqual(first);
    expect(again[2]).toMatchObject({ row: 4, outcome: "created" });
    expect((await customers(alice)).counts.all).toBe(3);
    // A new import of the same file finds every email: nothing is written twice either.
    const second = await importRows(alice, rows, { importId: "another-import-0001" });
    expect(second.map((r) => r.outcome)).toEqual(["skipped", "skipped"]);
    expect((await customers(alice)).counts.all).toBe(3);
  });

  it("duplicates by email, in any case: skipped, or updating only the fields the row gives", async () => {
    const { alice } = setup();
    await alice.mutation(api.customers.create, { name: "Ada L", email: "Ada@Example.com", company: "Engines", status: "active" });
    const skip = await importRows(alice, [{ row: 2, name: "Ada Lovelace", email: "ada@example.COM" }]);
    expect(skip).toEqual([{ row: 2, outcome: "skipped", customerId: anyId }]);

    const update = await importRows(alice, [{ row: 2, name: "Ada Lovelace", email: "ada@example.com" }], {
      onDuplicate: "update",
      importId: "update-import-0001",
    });
    expect(update).toEqual([{ row: 2, outcome: "updated", customerId: (skip[0] as { customerId: string }).customerId }]);
    // The company (no cell) and the status (no status given) stay; the email is the row's.
    expect((await customers(alice)).rows).toEqual([
      { name: "Ada Lovelace", email: "ada@example.com", company: "Engines", status: "active" },
    ]);
    const unchanged = await importRows(alice, [{ row: 2, name: " Ada Lovelace", email: "ada@example.com ", status: "active" }], {
      onDuplicate: "update",
      importId: "update-import-0002",
    });
    expect(unchanged[0]).toMatchObject({ outcome: "unchanged" });
    await importRows(alice, [{ row: 2, name: "Ada Lovelace", email: "ada@example.com", status: "inactive" }], {
      onDuplicate: "update",
      importId: "update-import-0003",
    });
    expect((await customers(alice)).counts).toEqual({ all: 1, lead: 0, active: 0, inactive: 1 });
  });

  it("a second row with an email the batch just created is a duplicate too", async () => {
    const { alice } = setup();
    const results = await importRows(alice, [
      { row: 2, name: "Ada", email: "ada@example.com" },
      { row: 3, name: "Ada again", email: "ADA@example.com" },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(["created", "skipped"]);
  });

  it("checks the caller, the workspace and its own arguments", async () => {
    const { t, alice, mallory } = setup();
    const team = await alice.mutation(api.workspaces.create, { name: "Team" });
    const row = { row: 2, name: "Ada", email: "ada@example.com" };
    expect(
      (
        await errorOf(
          t.mutation(api.imports.importBatch, { importId: IMPORT_ID, fileName: "a.csv", onDuplicate: "skip", rows: [row] }),
        )
      ).code,
    ).toBe("UNAUTHENTICATED");
    expect(
      (
        await errorOf(
          mallory.mutation(api.imports.importBatch, {
            importId: IMPORT_ID,
            fileName: "a.csv",
            onDuplicate: "skip",
            rows: [row],
            workspaceId: team,
          }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    expect((await errorOf(importRows(alice, [row], { importId: "short" }))).message).toMatch(/importId/);
    expect(
      (
        await errorOf(
          alice.mutation(api.imports.importBatch, {
            importId: IMPORT_ID,
            fileName: "evil\u202Egnp.csv",
            onDuplicate: "skip",
            rows: [row],
          }),
        )
      ).message,
    ).toMatch(/fileName/);
    expect((await errorOf(importRows(alice, [row, { ...row }]))).message).toMatch(/distinct/);
    expect((await errorOf(importRows(alice, [{ ...row, row: 1 }]))).message).toMatch(/from 2/);
    const tooMany = Array.from({ length: 501 }, (_, i) => ({ row: i + 2, name: `N${i}`, email: `n${i}@example.com` }));
    expect((await errorOf(importRows(alice, tooMany))).message).toMatch(/At most 500 rows/);
    // Nothing was written by any refused call.
    expect((await customers(alice)).counts.all).toBe(0);
  });

  it("forgets receipts after a day", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 9), toFake: ["Date"] });
    const { t, alice } = setup();
    await importRows(alice, [{ row: 2, name: "Ada", email: "ada@example.com" }]);
    expect(await t.mutation(internal.imports.forgetReceipts, {})).toEqual({ removed: 0 });
    vi.setSystemTime(Date.now() + RECEIPT_TTL_MS + 1000);
    expect(await t.mutation(internal.imports.forgetReceipts, {})).toEqual({ removed: 1 });
    expect(await t.run(async (ctx) => (await ctx.db.query("importReceipts").collect()).length)).toBe(0);
  });
});
