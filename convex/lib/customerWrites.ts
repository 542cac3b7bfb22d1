/**
 * How a customer is stored. Every path that creates one (the form, an import, a lead from a web
 * form) goes through `insertCustomer`, so what must happen with each new customer happens for all
 * of them, in the creating mutation's transaction.
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { searchTextOf, type ValidCustomer } from "./customerRules";

/** The stored document: the fields, their workspace, who created it, and the search helper field. */
export function customerDocument(workspaceId: Id<"workspaces">, createdBy: string, customer: ValidCustomer) {
  return { workspaceId, userId: createdBy, ...customer, searchText: searchTextOf(customer) };
}

/** Creates a validated customer in a workspace; `createdBy` is a tokenIdentifier, or a source such as the web form. */
export async function insertCustomer(
  ctx: MutationCtx,
  workspaceId: Id<"workspaces">,
  createdBy: string,
  customer: ValidCustomer,
): Promise<Id<"customers">> {
  return await ctx.db.insert("customers", customerDocument(workspaceId, createdBy, customer));
}
