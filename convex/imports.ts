/**
 * CSV import (docs/decisions/013): the browser parses and checks the file, then sends its rows
 * here in batches. Each batch is one transaction; each row it writes leaves a receipt, so a batch
 * sent again (a retry after an error or a lost answer) writes nothing twice and answers as the
 * first time did. Rows whose email the workspace already has are skipped or update that customer.
 */
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalMutation, mutation, type MutationCtx } from "./_generated/server";
import { inputFields, MAX_BATCH } from "./customers";
import {
  type CustomerInput,
  emailKeyOf,
  type FieldErrors,
  isPlainText,
  validateCustomer,
  type ValidCustomer,
} from "./lib/customerRules";
import { type Actor, actorOf } from "./lib/activity";
import { fail, INVALID_INPUT } from "./lib/errors";
import { insertCustomer, replaceCustomer } from "./lib/customerWrites";
import { requireAccessForWrite } from "./lib/workspaces";
import type { ImportOutcome } from "./schema";

const IMPORT_ID = /^[A-Za-z0-9-]{8,64}$/;
export const MAX_FILE_NAME = 255;
/** Receipts outlive any retry of their import by far; `imports:forgetReceipts` then removes them. */
export const RECEIPT_TTL_MS = 24 * 60 * 60 * 1000;
const FORGET_BATCH = 1000;

export const duplicateMode = v.union(v.literal("skip"), v.literal("update"));

export type RowResult =
  | { row: number; outcome: ImportOutcome; customerId: Id<"customers"> }
  | { row: number; outcome: "rejected"; fields: FieldErrors };

const FIELDS = ["name", "email", "company", "phone", "status", "notes"] as const;

/** The customer's fields as the rules give them. */
function fieldsOf(customer: Doc<"customers">): ValidCustomer {
  return Object.fromEntries(
    FIELDS.flatMap((field) => (customer[field] === undefined ? [] : [[field, customer[field]]])),
  ) as ValidCustomer;
}

/**
 * What an update makes of the existing customer: the fields the row gives replace theirs; an
 * empty cell, and a status column left out or empty, keep what the customer has.
 */
function merge(existing: ValidCustomer, row: ValidCustomer, statusGiven: boolean): ValidCustomer {
  const merged: Record<string, string | undefined> = { ...existing };
  for (const field of FIELDS) {
    if (row[field] !== undefined && (field !== "status" || statusGiven)) merged[field] = row[field];
  }
  return merged as ValidCustomer;
}

const sameFields = (a: ValidCustomer, b: ValidCustomer) => FIELDS.every((field) => a[field] === b[field]);

/** Where rows go, who imports them and from which file (both named in each customer's history). */
type ImportTarget = { workspaceId: Id<"workspaces">; by: Actor; fileName: string; onDuplicate: "skip" | "update" };

async function importRow(
  ctx: MutationCtx,
  target: ImportTarget,
  input: CustomerInput,
): Promise<{ outcome: ImportOutcome; customerId: Id<"customers"> } | { fields: FieldErrors }> {
  const checked = validateCustomer(input);
  if (!checked.ok) return { fields: checked.fields };
  const existing = await ctx.db
    .query("customers")
    .withIndex("by_workspace_email", (q) =>
      q.eq("workspaceId", target.workspaceId).eq("emailKey", emailKeyOf(checked.value.email)),
    )
    .first();
  if (existing === null) {
    return {
      outcome: "created",
      customerId: await insertCustomer(ctx, target.workspaceId, target.by, checked.value, {
        kind: "created",
        importedFrom: target.fileName,
      }),
    };
  }
  if (target.onDuplicate === "skip") return { outcome: "skipped", customerId: existing._id };
  const current = fieldsOf(existing);
  const merged = merge(current, checked.value, input.status !== undefined);
  if (sameFields(current, merged)) return { outcome: "unchanged", customerId: existing._id };
  // The customer keeps its creator: an import by a teammate is an edit, as in the form.
  await replaceCustomer(ctx, existing, merged, target.by);
  return { outcome: "updated", customerId: existing._id };
}

/**
 * Imports up to MAX_BATCH rows into the workspace, each checked with the form's rules. Answers
 * each row's outcome; a row that fails the rules is answered with its field messages and not
 * written, the others are.
 */
export const importBatch = mutation({
  args: {
    importId: v.string(),
    fileName: v.string(),
    onDuplicate: duplicateMode,
    rows: v.array(v.object({ row: v.number(), ...inputFields })),
    workspaceId: v.optional(v.id("workspaces")),
  },
  handler: async (ctx, { importId, fileName, onDuplicate, rows, workspaceId }): Promise<RowResult[]> => {
    const access = await requireAccessForWrite(ctx, workspaceId);
    if (!IMPORT_ID.test(importId)) fail(INVALID_INPUT, "importId must be 8 to 64 letters, digits or dashes.");
    if (fileName.trim() === "" || fileName.length > MAX_FILE_NAME || !isPlainText(fileName)) {
      fail(INVALID_INPUT, `fileName must be 1 to ${MAX_FILE_NAME} characters, without control characters.`);
    }
    if (rows.length > MAX_BATCH) fail(INVALID_INPUT, `At most ${MAX_BATCH} rows per batch; got ${rows.length}.`);
    const target: ImportTarget = {
      workspaceId: access.workspace._id,
      by: actorOf(access.identity),
      fileName: fileName.trim(),
      onDuplicate,
    };
    const results: RowResult[] = [];
    const seen = new Set<number>();
    for (const { row, ...input } of rows) {
      if (!Number.isSafeInteger(row) || row < 2 || seen.has(row)) {
        fail(INVALID_INPUT, `Row numbers must be distinct whole numbers from 2 (the header is row 1); got ${row}.`);
      }
      seen.add(row);
      const receipt = await ctx.db
        .query("importReceipts")
        .withIndex("by_import_row", (q) => q.eq("workspaceId", target.workspaceId).eq("importId", importId).eq("row", row))
        .unique();
      if (receipt !== null) {
        results.push({ row, outcome: receipt.outcome, customerId: receipt.customerId });
        continue;
      }
      const result = await importRow(ctx, target, input);
      if ("fields" in result) {
        results.push({ row, outcome: "rejected", fields: result.fields });
        continue;
      }
      await ctx.db.insert("importReceipts", { workspaceId: target.workspaceId, importId, row, ...result });
      results.push({ row, ...result });
    }
    return results;
  },
});

/** Removes receipts older than RECEIPT_TTL_MS, a batch per run (a daily cron job, convex/crons.ts). */
export const forgetReceipts = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ removed: number }> => {
    const old = await ctx.db
      .query("importReceipts")
      .withIndex("by_creation_time", (q) => q.lt("_creationTime", Date.now() - RECEIPT_TTL_MS))
      .take(FORGET_BATCH);
    for (const receipt of old) await ctx.db.delete("importReceipts", receipt._id);
    if (old.length === FORGET_BATCH) await ctx.scheduler.runAfter(0, internal.imports.forgetReceipts, {});
    return { removed: old.length };
  },
});
