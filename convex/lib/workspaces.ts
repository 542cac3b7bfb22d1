/**
 * Workspace access: the one place that decides whether the caller may act in a workspace.
 * Every customers and workspaces function goes through `findAccess` / `requireAccess`, the way
 * every function starts with `requireAuth`. A workspace that does not exist and one the caller
 * is not a member of read the same (null, or NOT_FOUND): nothing hints that it exists.
 */
import type { UserIdentity } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { WorkspaceRole } from "../schema";
import { requireAuth } from "./auth";
import { FORBIDDEN, fail, NOT_FOUND } from "./errors";

export const PERSONAL_WORKSPACE_NAME = "Personal";

/** The argument every function about customers takes: its workspace; without it, the caller's personal one. */
export const inWorkspace = { workspaceId: v.optional(v.id("workspaces")) };
export const WORKSPACE_NOT_FOUND = "That workspace does not exist, or you are not a member of it.";

export interface WorkspaceAccess {
  identity: UserIdentity;
  /** The caller's tokenIdentifier. */
  userId: string;
  workspace: Doc<"workspaces">;
  membership: Doc<"memberships">;
  role: WorkspaceRole;
}

/**
 * The caller's email, only when the identity provider vouches for it (`email_verified`).
 * Invitations name an email; without a verified one a caller can neither accept nor see them.
 */
export function verifiedEmail(identity: UserIdentity): string | null {
  return identity.email && identity.emailVerified === true ? identity.email.trim().toLowerCase() : null;
}

export async function membershipOf(ctx: QueryCtx, workspaceId: Id<"workspaces">, userId: string) {
  return await ctx.db
    .query("memberships")
    .withIndex("by_workspace_user", (q) => q.eq("workspaceId", workspaceId).eq("userId", userId))
    .unique();
}

export async function personalWorkspaceOf(ctx: QueryCtx, userId: string): Promise<Doc<"workspaces"> | null> {
  return await ctx.db
    .query("workspaces")
    .withIndex("by_owner", (q) => q.eq("ownerId", userId))
    .unique();
}

/**
 * The caller's access to a workspace (their personal one without an id), or null when it does
 * not exist, they are not a member, or (personal) it has not been created yet.
 */
export async function findAccess(
  ctx: QueryCtx,
  workspaceId: Id<"workspaces"> | undefined,
): Promise<{ identity: UserIdentity; access: WorkspaceAccess | null }> {
  const identity = await requireAuth(ctx);
  const userId = identity.tokenIdentifier;
  const workspace =
    workspaceId === undefined ? await personalWorkspaceOf(ctx, userId) : await ctx.db.get("workspaces", workspaceId);
  if (workspace === null) return { identity, access: null };
  const membership = await membershipOf(ctx, workspace._id, userId);
  if (membership === null) return { identity, access: null };
  return { identity, access: { identity, userId, workspace, membership, role: membership.role } };
}

/**
 * Like `findAccess`, but a missing workspace or membership is NOT_FOUND and too low a role is
 * FORBIDDEN (a member already knows the workspace exists). Admins can do what members can.
 * `notFound` words the NOT_FOUND for what the caller asked about (a workspace, by default).
 */
export async function requireAccess(
  ctx: QueryCtx,
  workspaceId: Id<"workspaces"> | undefined,
  role: WorkspaceRole = "member",
  notFound: string = WORKSPACE_NOT_FOUND,
): Promise<WorkspaceAccess> {
  const { access } = await findAccess(ctx, workspaceId);
  if (access === null) fail(NOT_FOUND, notFound);
  if (role === "admin" && access.role !== "admin") fail(FORBIDDEN, "Only an admin of this workspace can do this.");
  return access;
}

/** The caller's personal workspace, created on first use (queries cannot write; mutations can). */
export async function ensurePersonalWorkspace(ctx: MutationCtx, userId: string, email: string | null): Promise<Id<"workspaces">> {
  const existing = await personalWorkspaceOf(ctx, userId);
  if (existing !== null) return existing._id;
  const workspaceId = await ctx.db.insert("workspaces", { name: PERSONAL_WORKSPACE_NAME, kind: "personal", ownerId: userId });
  await ctx.db.insert("memberships", { workspaceId, userId, role: "admin", ...(email ? { email } : {}) });
  return workspaceId;
}

/** Access for a write: without an id, the personal workspace is created first if needed. */
export async function requireAccessForWrite(
  ctx: MutationCtx,
  workspaceId: Id<"workspaces"> | undefined,
  role: WorkspaceRole = "member",
): Promise<WorkspaceAccess> {
  if (workspaceId === undefined) {
    const identity = await requireAuth(ctx);
    await ensurePersonalWorkspace(ctx, identity.tokenIdentifier, verifiedEmail(identity));
  }
  return await requireAccess(ctx, workspaceId, role);
}
