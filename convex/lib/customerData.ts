/**
 * What belongs to a customer (its history, its notes, its files and their bytes) goes when the customer
 * does (docs/decisions/015-customer-history.md). Deleting the customer ends access to
 * all of it at once, since every function reads it through the customer; the rows themselves go
 * in scheduled batches, as a customer with a long history may not fit in one transaction.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { deleteCustomer } from "./customerWrites";

/** The tables of what belongs to a customer, each with a `by_customer` index. */
const CUSTOMER_TABLES = ["activity", "notes", "files"] as const;

/** Rows deleted per transaction (well under Convex's write limits). */
export const PURGE_BATCH = 500;

/**
 * Deletes up to PURGE_BATCH rows that belong to the customers named (deleted already); returns
 * the ids that still have some, for the next batch.
 */
export async function purgeCustomerData(ctx: MutationCtx, customerIds: readonly Id<"customers">[]): Promise<Id<"customers">[]> {
  let budget = PURGE_BATCH;
  const remaining = [...customerIds];
  while (remaining.length > 0 && budget > 0) {
    const customerId = remaining[0]!;
    for (const table of CUSTOMER_TABLES) {
      const rows = await ctx.db
        .query(table)
        .withIndex("by_customer", (q) => q.eq("customerId", customerId))
        .take(budget);
      for (const row of rows) {
        if ("storageId" in row) await deleteStoredObject(ctx, row.storageId);
        await ctx.db.delete(table, row._id);
      }
      budget -= rows.length;
      if (budget === 0) break;
    }
    // Budget left after every table: this customer has nothing left.
    if (budget > 0) remaining.shift();
  }
  return remaining;
}

/** Deletes a file's bytes, if they are still there (ctx.storage.delete throws for a missing one). */
export async function deleteStoredObject(ctx: MutationCtx, storageId: Id<"_storage">): Promise<void> {
  if ((await ctx.db.system.get("_storage", storageId)) !== null) await ctx.storage.delete(storageId);
}

/** Deletes customers at once, and schedules the deletion of what belonged to them. */
export async function deleteCustomersWithData(ctx: MutationCtx, customers: readonly Doc<"customers">[]): Promise<void> {
  for (const customer of customers) await deleteCustomer(ctx, customer);
  if (customers.length > 0) {
    await ctx.scheduler.runAfter(0, internal.customers.purgeDeleted, { customerIds: customers.map((c) => c._id) });
  }
}
