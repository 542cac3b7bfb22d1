/**
 * The customer a function acts on, found in the caller's workspace: the one place that ties a
 * customer id to workspace access. A foreign, missing or malformed id reads the same as one that
 * never existed.
 */
import type { PaginationResult } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { WorkspaceRole } from "../schema";
import { fail, NOT_FOUND } from "./errors";
import { findAccess, requireAccess, WORKSPACE_NOT_FOUND, type WorkspaceAccess } from "./workspaces";

export const CUSTOMER_NOT_FOUND = "That customer does not exist or was deleted.";

/** The workspace's customer with this id, or null. */
export async function customerIn(ctx: QueryCtx, workspaceId: Id<"workspaces">, id: string): Promise<Doc<"customers"> | null> {
  const customerId = ctx.db.normalizeId("customers", id);
  if (customerId === null) return null;
  const customer = await ctx.db.get("customers", customerId);
  return customer !== null && customer.workspaceId === workspaceId ? customer : null;
}

export async function customerOrThrow(ctx: QueryCtx, workspaceId: Id<"workspaces">, id: string): Promise<Doc<"customers">> {
  const customer = await customerIn(ctx, workspaceId, id);
  if (customer === null) fail(NOT_FOUND, CUSTOMER_NOT_FOUND);
  return customer;
}

export interface CustomerAccess {
  access: WorkspaceAccess;
  customer: Doc<"customers">;
}

/**
 * For what a customer's tabs list (notes, history, files): the caller's access and the customer,
 * or null when there is no such customer in the workspace (deleted while its page is open, or
 * never there). A team the caller is not a member of is NOT_FOUND, as for its customer list.
 */
export async function findCustomer(
  ctx: QueryCtx,
  workspaceId: Id<"workspaces"> | undefined,
  customerId: string,
): Promise<CustomerAccess | null> {
  const { access } = await findAccess(ctx, workspaceId);
  if (access === null) {
    // A personal workspace is created by the caller's first write: until then it has no customers.
    if (workspaceId === undefined) return null;
    fail(NOT_FOUND, WORKSPACE_NOT_FOUND);
  }
  const customer = await customerIn(ctx, access.workspace._id, customerId);
  return customer === null ? null : { access, customer };
}

/** For a change to what belongs to a customer: access with `role`, and the customer, or NOT_FOUND. */
export async function requireCustomer(
  ctx: QueryCtx,
  workspaceId: Id<"workspaces"> | undefined,
  customerId: string,
  role: WorkspaceRole = "member",
): Promise<CustomerAccess> {
  const access = await requireAccess(ctx, workspaceId, role);
  return { access, customer: await customerOrThrow(ctx, access.workspace._id, customerId) };
}

/** The finished, empty page a list of a customer's things answers when there is no customer. */
export function noPage<T>(): PaginationResult<T> {
  return { page: [], isDone: true, continueCursor: "" };
}
