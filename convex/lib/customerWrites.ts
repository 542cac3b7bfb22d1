/**
 * How a customer is stored. Every path that creates one (the form, an import, a lead from a web
 * form) goes through `insertCustomer`, every change through `replaceCustomer` and every delete
 * through `deleteCustomer`, so what must happen with each write (the status counts,
 * lib/customerCounts.ts; the customer's history, lib/activity.ts) happens for all of them, in the
 * writing mutation's transaction.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { ActivityChange } from "../schema";
import { type Actor, customerChanges, recordActivity } from "./activity";
import { countDeleted, countInserted, countReplaced } from "./customerCounts";
import { emailKeyOf, searchTextOf, type ValidCustomer } from "./customerRules";

/** The stored document: the fields, their workspace, who created it, and the helper fields. */
export function customerDocument(workspaceId: Id<"workspaces">, createdBy: string, customer: ValidCustomer) {
  return {
    workspaceId,
    userId: createdBy,
    ...customer,
    searchText: searchTextOf(customer),
    emailKey: emailKeyOf(customer.email),
  };
}

type Created = Extract<ActivityChange, { kind: "created" }>;

/**
 * Creates a validated customer in a workspace and records its creation in its history. `by` is
 * the caller (its id a tokenIdentifier), or a source such as the web form, named as the history
 * shows it.
 */
export async function insertCustomer(
  ctx: MutationCtx,
  workspaceId: Id<"workspaces">,
  by: Actor,
  customer: ValidCustomer,
  created: Created = { kind: "created" },
): Promise<Id<"customers">> {
  const id = await ctx.db.insert("customers", customerDocument(workspaceId, by.id, customer));
  // The counts need the stored document: its _creationTime places it in a week.
  await countInserted(ctx, (await ctx.db.get("customers", id))!);
  await recordActivity(ctx, { workspaceId, customerId: id }, by, created);
  return id;
}

/**
 * Replaces a customer's fields (its workspace and creator stay), moves it in the counts if its
 * status changed, and records each changed field in its history (nothing when nothing changed).
 */
export async function replaceCustomer(
  ctx: MutationCtx,
  existing: Doc<"customers">,
  customer: ValidCustomer,
  by: Actor,
): Promise<void> {
  if (existing.workspaceId === undefined) throw new Error(`Customer ${existing._id} has no workspace`);
  const document = customerDocument(existing.workspaceId, existing.userId, customer);
  // replace, not patch: a field cleared in the form ("" → undefined) must be removed.
  await ctx.db.replace("customers", existing._id, document);
  await countReplaced(ctx, existing, { ...document, _id: existing._id, _creationTime: existing._creationTime });
  await recordActivity(
    ctx,
    { workspaceId: existing.workspaceId, customerId: existing._id },
    by,
    customerChanges(existing, customer),
  );
}

/** Deletes a customer and takes it out of the counts (lib/customerData.ts deletes what belonged to it). */
export async function deleteCustomer(ctx: MutationCtx, customer: Doc<"customers">): Promise<void> {
  await ctx.db.delete("customers", customer._id);
  await countDeleted(ctx, customer);
}
