/**
 * How a customer is stored. Every path that creates one (the form, an import, a lead from a web
 * form) goes through `insertCustomer`, every change through `replaceCustomer` and every delete
 * through `deleteCustomer`, so what must happen with each write (the status counts,
 * lib/customerCounts.ts) happens for all of them, in the writing mutation's transaction.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
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

/** Creates a validated customer in a workspace; `createdBy` is a tokenIdentifier, or a source such as the web form. */
export async function insertCustomer(
  ctx: MutationCtx,
  workspaceId: Id<"workspaces">,
  createdBy: string,
  customer: ValidCustomer,
): Promise<Id<"customers">> {
  const id = await ctx.db.insert("customers", customerDocument(workspaceId, createdBy, customer));
  // The counts need the stored document: its _creationTime places it in a week.
  await countInserted(ctx, (await ctx.db.get("customers", id))!);
  return id;
}

/** Replaces a customer's fields (its workspace and creator stay) and moves it in the counts if its status changed. */
export async function replaceCustomer(ctx: MutationCtx, existing: Doc<"customers">, customer: ValidCustomer): Promise<void> {
  if (existing.workspaceId === undefined) throw new Error(`Customer ${existing._id} has no workspace`);
  const document = customerDocument(existing.workspaceId, existing.userId, customer);
  // replace, not patch: a field cleared in the form ("" → undefined) must be removed.
  await ctx.db.replace("customers", existing._id, document);
  await countReplaced(ctx, existing, { ...document, _id: existing._id, _creationTime: existing._creationTime });
}

/** Deletes a customer and takes it out of the counts. */
export async function deleteCustomer(ctx: MutationCtx, customer: Doc<"customers">): Promise<void> {
  await ctx.db.delete("customers", customer._id);
  await countDeleted(ctx, customer);
}
