/**
 * Workspaces: who shares which customers. Memberships live in Convex, so they work the same
 * with local sign-in and with Clerk (docs/decisions/011-workspaces.md). Every function checks
 * access through lib/workspaces.ts.
 */
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalMutation, mutation, type MutationCtx, query } from "./_generated/server";
import { requireAuth } from "./lib/auth";
import { deleteCustomersWithData } from "./lib/customerData";
import { FORBIDDEN, fail, INVALID_INPUT, NOT_FOUND } from "./lib/errors";
import { membershipOf, requireAccess, verifiedEmail, type WorkspaceAccess } from "./lib/workspaces";
import { type WorkspaceKind, type WorkspaceRole, workspaceRole } from "./schema";

const MAX_NAME = 80;
const MAX_EMAIL = 254;
/**
 * Customers deleted per transaction when a workspace is removed: each also leaves its counts
 * (a few B-tree nodes written per aggregate), so this stays well under Convex's write limits.
 */
export const DELETE_BATCH = 100;
const INVITATION_NOT_FOUND = "That invitation does not exist, was withdrawn, or is for another email address.";
const INVITATION_EXPIRED = "That invitation has expired: ask an admin of the workspace to invite you again.";
/** An invitation expires this long after it was sent (issue 23.6). */
export const INVITATION_TTL_MS = 14 * 24 * 60 * 60 * 1000;
/** Invitations the clean-up marks per transaction; a full batch schedules the next one. */
export const EXPIRE_BATCH = 500;

export interface WorkspaceSummary {
  _id: Id<"workspaces">;
  name: string;
  kind: WorkspaceKind;
  role: WorkspaceRole;
}

export interface Member {
  userId: string;
  email: string | null;
  role: WorkspaceRole;
}

export interface SentInvitation {
  _id: Id<"invitations">;
  email: string;
  role: WorkspaceRole;
  invitedBy: string;
  /** Expired: it can no longer be accepted; inviting the email again sends a new one. */
  expired: boolean;
}

export interface PendingInvitation {
  _id: Id<"invitations">;
  workspaceId: Id<"workspaces">;
  workspaceName: string;
  role: WorkspaceRole;
  invitedBy: string;
  /** Expired: it can only be dismissed (declined); the workspace's admins can invite again. */
  expired: boolean;
}

/**
 * Whether an invitation can no longer be accepted: marked by the daily clean-up, or past its
 * time in the day before the clean-up's next run (only a mutation, whose clock is the
 * transaction's, asks the time).
 */
function isExpired(invitation: Doc<"invitations">, now?: number): boolean {
  return invitation.expiredAt !== undefined || (now !== undefined && invitation._creationTime + INVITATION_TTL_MS <= now);
}

function validName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "") fail(INVALID_INPUT, "Please fix the highlighted fields.", { name: "Enter a name" });
  if (trimmed.length > MAX_NAME) {
    fail(INVALID_INPUT, "Please fix the highlighted fields.", { name: `Name must be at most ${MAX_NAME} characters` });
  }
  // eslint-disable-next-line no-control-regex -- deliberately matches control characters to reject them in names
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    fail(INVALID_INPUT, "Please fix the highlighted fields.", { name: "Name must not contain control characters" });
  }
  return trimmed;
}

function validEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  // The shape only: whether the address exists is the identity provider's business.
  if (normalized.length > MAX_EMAIL || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized)) {
    fail(INVALID_INPUT, "Please fix the highlighted fields.", { email: "Enter a valid email address" });
  }
  return normalized;
}

function refuseInPersonal(access: WorkspaceAccess, what: string): void {
  if (access.workspace.kind === "personal") fail(FORBIDDEN, `Your personal workspace is yours alone: ${what}`);
}

async function adminCount(ctx: MutationCtx, workspaceId: Id<"workspaces">): Promise<number> {
  const admins = await ctx.db
    .query("memberships")
    .withIndex("by_workspace_role", (q) => q.eq("workspaceId", workspaceId).eq("role", "admin"))
    .take(2);
  return admins.length;
}

/** Refuses a change that would leave the workspace without an admin. */
async function keepAnAdmin(ctx: MutationCtx, target: Doc<"memberships">, message: string): Promise<void> {
  if (target.role === "admin" && (await adminCount(ctx, target.workspaceId)) < 2) fail(FORBIDDEN, message);
}

async function memberOrThrow(ctx: MutationCtx, workspaceId: Id<"workspaces">, userId: string): Promise<Doc<"memberships">> {
  const membership = await membershipOf(ctx, workspaceId, userId);
  if (membership === null) fail(NOT_FOUND, "That person is not a member of this workspace.");
  return membership;
}

/** An invitation addressed to the caller's verified email, or NOT_FOUND (also for someone else's). */
async function ownInvitation(
  ctx: MutationCtx,
  invitationId: string,
): Promise<{ invitation: Doc<"invitations">; userId: string; email: string }> {
  const identity = await requireAuth(ctx);
  const email = verifiedEmail(identity);
  const id = ctx.db.normalizeId("invitations", invitationId);
  const invitation = id === null ? null : await ctx.db.get("invitations", id);
  if (invitation === null || email === null || invitation.email !== email) fail(NOT_FOUND, INVITATION_NOT_FOUND);
  return { invitation, userId: identity.tokenIdentifier, email };
}

/** The caller's workspaces: personal first, then teams by name. */
export const list = query({
  args: {},
  handler: async (ctx): Promise<WorkspaceSummary[]> => {
    const { tokenIdentifier: userId } = await requireAuth(ctx);
    const memberships = await ctx.db
      .query("memberships")
      .withIndex("by_user", (q) => q.eq("userId", userId))
      .collect();
    const summaries: WorkspaceSummary[] = [];
    for (const membership of memberships) {
      const workspace = await ctx.db.get("workspaces", membership.workspaceId);
      if (workspace) summaries.push({ _id: workspace._id, name: workspace.name, kind: workspace.kind, role: membership.role });
    }
    return summaries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "personal" ? -1 : 1));
  },
});

/** A team workspace with the caller as its admin. */
export const create = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }): Promise<Id<"workspaces">> => {
    const identity = await requireAuth(ctx);
    const workspaceId = await ctx.db.insert("workspaces", { name: validName(name), kind: "team" });
    const email = verifiedEmail(identity);
    await ctx.db.insert("memberships", {
      workspaceId,
      userId: identity.tokenIdentifier,
      role: "admin",
      ...(email ? { email } : {}),
    });
    return workspaceId;
  },
});

export const rename = mutation({
  args: { workspaceId: v.id("workspaces"), name: v.string() },
  handler: async (ctx, { workspaceId, name }): Promise<null> => {
    await requireAccess(ctx, workspaceId, "admin");
    await ctx.db.patch("workspaces", workspaceId, { name: validName(name) });
    return null;
  },
});

/**
 * Deletes a team workspace: at once its memberships, invitations and web-to-lead token (so nobody
 * has access any more), then its customers in batches (a big workspace does not fit in one transaction).
 */
export const remove = mutation({
  args: { workspaceId: v.id("workspaces") },
  handler: async (ctx, { workspaceId }): Promise<null> => {
    const access = await requireAccess(ctx, workspaceId, "admin");
    refuseInPersonal(access, "it cannot be deleted.");
    const memberships = await ctx.db
      .query("memberships")
      .withIndex("by_workspace_user", (q) => q.eq("workspaceId", workspaceId))
      .collect();
    for (const membership of memberships) await ctx.db.delete("memberships", membership._id);
    const invitations = await ctx.db
      .query("invitations")
      .withIndex("by_workspace_email", (q) => q.eq("workspaceId", workspaceId))
      .collect();
    for (const invitation of invitations) await ctx.db.delete("invitations", invitation._id);
    const leadToken = await ctx.db
      .query("webToLeadTokens")
      .withIndex("by_workspace", (q) => q.eq("workspaceId", workspaceId))
      .unique();
    if (leadToken !== null) await ctx.db.delete("webToLeadTokens", leadToken._id);
    await ctx.db.delete("workspaces", workspaceId);
    await ctx.scheduler.runAfter(0, internal.workspaces.deleteCustomers, { workspaceId });
    return null;
  },
});

export const deleteCustomers = internalMutation({
  args: { workspaceId: v.id("workspaces") },
  handler: async (ctx, { workspaceId }): Promise<null> => {
    const batch = await ctx.db
      .query("customers")
      .withIndex("by_workspace", (q) => q.eq("workspaceId", workspaceId))
      .take(DELETE_BATCH);
    await deleteCustomersWithData(ctx, batch);
    if (batch.length === DELETE_BATCH) await ctx.scheduler.runAfter(0, internal.workspaces.deleteCustomers, { workspaceId });
    return null;
  },
});

export const members = query({
  args: { workspaceId: v.id("workspaces") },
  handler: async (ctx, { workspaceId }): Promise<Member[]> => {
    await requireAccess(ctx, workspaceId);
    const memberships = await ctx.db
      .query("memberships")
      .withIndex("by_workspace_user", (q) => q.eq("workspaceId", workspaceId))
      .collect();
    return memberships
      .map(({ userId, email, role }) => ({ userId, email: email ?? null, role }))
      .sort((a, b) =>
        a.role === b.role ? (a.email ?? a.userId).localeCompare(b.email ?? b.userId) : a.role === "admin" ? -1 : 1,
      );
  },
});

export const setRole = mutation({
  args: { workspaceId: v.id("workspaces"), userId: v.string(), role: workspaceRole },
  handler: async (ctx, { workspaceId, userId, role }): Promise<null> => {
    await requireAccess(ctx, workspaceId, "admin");
    const target = await memberOrThrow(ctx, workspaceId, userId);
    if (target.role === role) return null;
    if (role === "member") await keepAnAdmin(ctx, target, "A workspace needs an admin: make someone else an admin first.");
    await ctx.db.patch("memberships", target._id, { role });
    return null;
  },
});

export const removeMember = mutation({
  args: { workspaceId: v.id("workspaces"), userId: v.string() },
  handler: async (ctx, { workspaceId, userId }): Promise<null> => {
    const access = await requireAccess(ctx, workspaceId, "admin");
    refuseInPersonal(access, "it has no other members.");
    const target = await memberOrThrow(ctx, workspaceId, userId);
    await keepAnAdmin(ctx, target, "A workspace needs an admin: make someone else an admin first.");
    await ctx.db.delete("memberships", target._id);
    return null;
  },
});

export const leave = mutation({
  args: { workspaceId: v.id("workspaces") },
  handler: async (ctx, { workspaceId }): Promise<null> => {
    const access = await requireAccess(ctx, workspaceId);
    refuseInPersonal(access, "you cannot leave it.");
    await keepAnAdmin(
      ctx,
      access.membership,
      "You are the last admin: make someone else an admin first, or delete the workspace.",
    );
    await ctx.db.delete("memberships", access.membership._id);
    return null;
  },
});

/**
 * Invites an email with a role; inviting the same email again updates the pending invitation's
 * role, or sends a new invitation in place of an expired one.
 */
export const invite = mutation({
  args: { workspaceId: v.id("workspaces"), email: v.string(), role: workspaceRole },
  handler: async (ctx, { workspaceId, email, role }): Promise<Id<"invitations">> => {
    const access = await requireAccess(ctx, workspaceId, "admin");
    refuseInPersonal(access, "create a team workspace to invite people.");
    const invitee = validEmail(email);
    const existingMember = await ctx.db
      .query("memberships")
      .withIndex("by_workspace_user", (q) => q.eq("workspaceId", workspaceId))
      // eslint-disable-next-line @convex-dev/no-filter-in-query -- no memberships index on email; the scan is bounded to one workspace's members
      .filter((q) => q.eq(q.field("email"), invitee))
      .first();
    if (existingMember) fail(INVALID_INPUT, "Please fix the highlighted fields.", { email: `${invitee} is already a member` });
    const pending = await ctx.db
      .query("invitations")
      .withIndex("by_workspace_email", (q) => q.eq("workspaceId", workspaceId).eq("email", invitee))
      .unique();
    if (pending && !isExpired(pending, Date.now())) {
      await ctx.db.patch("invitations", pending._id, { role });
      return pending._id;
    }
    // An expired invitation is replaced by a new one, with a new 14 days.
    if (pending) await ctx.db.delete("invitations", pending._id);
    const invitedBy = access.membership.email ?? verifiedEmail(access.identity) ?? access.userId;
    return await ctx.db.insert("invitations", { workspaceId, email: invitee, role, invitedBy });
  },
});

/** The workspace's pending and expired invitations, by email: for its admins, who may withdraw them or invite again. */
export const invitations = query({
  args: { workspaceId: v.id("workspaces") },
  handler: async (ctx, { workspaceId }): Promise<SentInvitation[]> => {
    await requireAccess(ctx, workspaceId, "admin");
    const invitations = await ctx.db
      .query("invitations")
      .withIndex("by_workspace_email", (q) => q.eq("workspaceId", workspaceId))
      .collect();
    return invitations.map((invitation) => {
      const { _id, email, role, invitedBy } = invitation;
      return { _id, email, role, invitedBy, expired: isExpired(invitation) };
    });
  },
});

/**
 * Withdraws a pending invitation: for admins of its workspace. A non-member gets the same
 * NOT_FOUND as for no such invitation; a member, FORBIDDEN.
 */
export const withdrawInvitation = mutation({
  args: { invitationId: v.string() },
  handler: async (ctx, { invitationId }): Promise<null> => {
    await requireAuth(ctx);
    const id = ctx.db.normalizeId("invitations", invitationId);
    const invitation = id === null ? null : await ctx.db.get("invitations", id);
    if (invitation === null) fail(NOT_FOUND, INVITATION_NOT_FOUND);
    await requireAccess(ctx, invitation.workspaceId, "admin", INVITATION_NOT_FOUND);
    await ctx.db.delete("invitations", invitation._id);
    return null;
  },
});

/** Invitations for the caller's verified email (none without one), expired ones marked. */
export const myInvitations = query({
  args: {},
  handler: async (ctx): Promise<PendingInvitation[]> => {
    const email = verifiedEmail(await requireAuth(ctx));
    if (email === null) return [];
    const invitations = await ctx.db
      .query("invitations")
      .withIndex("by_email", (q) => q.eq("email", email))
      .collect();
    const pending: PendingInvitation[] = [];
    for (const invitation of invitations) {
      const workspace = await ctx.db.get("workspaces", invitation.workspaceId);
      if (!workspace) continue;
      const { _id, workspaceId, role, invitedBy } = invitation;
      pending.push({ _id, workspaceId, workspaceName: workspace.name, role, invitedBy, expired: isExpired(invitation) });
    }
    return pending;
  },
});

/** Joins the workspace the invitation names; returns its id. A member already keeps their role. */
export const acceptInvitation = mutation({
  args: { invitationId: v.string() },
  handler: async (ctx, { invitationId }): Promise<Id<"workspaces">> => {
    const { invitation, userId, email } = await ownInvitation(ctx, invitationId);
    if (isExpired(invitation, Date.now())) fail(FORBIDDEN, INVITATION_EXPIRED);
    const { workspaceId } = invitation;
    await ctx.db.delete("invitations", invitation._id);
    if ((await ctx.db.get("workspaces", workspaceId)) === null) fail(NOT_FOUND, INVITATION_NOT_FOUND);
    if ((await membershipOf(ctx, workspaceId, userId)) === null) {
      await ctx.db.insert("memberships", { workspaceId, userId, email, role: invitation.role });
    }
    return workspaceId;
  },
});

export const declineInvitation = mutation({
  args: { invitationId: v.string() },
  handler: async (ctx, { invitationId }): Promise<null> => {
    const { invitation } = await ownInvitation(ctx, invitationId);
    await ctx.db.delete("invitations", invitation._id);
    return null;
  },
});

/**
 * The daily clean-up (convex/crons.ts): marks invitations sent `INVITATION_TTL_MS` ago or more
 * as expired, oldest first, a batch per transaction.
 */
export const expireInvitations = internalMutation({
  args: {},
  handler: async (ctx): Promise<number> => {
    const sentBefore = Date.now() - INVITATION_TTL_MS;
    const due = await ctx.db
      .query("invitations")
      .withIndex("by_expired_at", (q) => q.eq("expiredAt", undefined).lte("_creationTime", sentBefore))
      .take(EXPIRE_BATCH);
    const expiredAt = Date.now();
    for (const invitation of due) await ctx.db.patch("invitations", invitation._id, { expiredAt });
    if (due.length === EXPIRE_BATCH) await ctx.scheduler.runAfter(0, internal.workspaces.expireInvitations, {});
    return due.length;
  },
});
