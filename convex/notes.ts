/**
 * A customer's notes: any member of its workspace reads and adds them; a member edits and deletes
 * their own, an admin any. Each change is recorded in the customer's history in its transaction.
 */
import { paginationOptsValidator, type PaginationResult } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { mutation, type MutationCtx, query } from "./_generated/server";
import { actorOf, recordActivity } from "./lib/activity";
import { findCustomer, noPage, requireCustomer } from "./lib/customerAccess";
import { FORBIDDEN, fail, INVALID_INPUT, NOT_FOUND } from "./lib/errors";
import { validateNoteBody } from "./lib/noteRules";
import { inWorkspace, requireAccess, type WorkspaceAccess } from "./lib/workspaces";

/** A note as the app shows it: who wrote it (by the name they had then), when, and whether the caller may change it. */
export interface NoteEntry {
  _id: Id<"notes">;
  _creationTime: number;
  authorName: string;
  body: string;
  editedAt?: number;
  canEdit: boolean;
}

const NOTE_NOT_FOUND = "That note does not exist or was deleted.";

function canChange(access: WorkspaceAccess, note: Doc<"notes">): boolean {
  return access.role === "admin" || note.authorId === access.userId;
}

function bodyOrThrow(body: string): string {
  const result = validateNoteBody(body);
  if (!result.ok) fail(INVALID_INPUT, result.message, { body: result.message });
  return result.value;
}

export const list = query({
  args: { customerId: v.string(), paginationOpts: paginationOptsValidator, ...inWorkspace },
  handler: async (ctx, { customerId, paginationOpts, workspaceId }): Promise<PaginationResult<NoteEntry>> => {
    const found = await findCustomer(ctx, workspaceId, customerId);
    if (found === null) return noPage();
    const result = await ctx.db
      .query("notes")
      .withIndex("by_customer", (q) => q.eq("customerId", found.customer._id))
      .order("desc")
      .paginate(paginationOpts);
    return {
      ...result,
      page: result.page.map((note) => ({
        _id: note._id,
        _creationTime: note._creationTime,
        authorName: note.authorName,
        body: note.body,
        ...(note.editedAt === undefined ? {} : { editedAt: note.editedAt }),
        canEdit: canChange(found.access, note),
      })),
    };
  },
});

export const create = mutation({
  args: { customerId: v.string(), body: v.string(), ...inWorkspace },
  handler: async (ctx, { customerId, body, workspaceId }): Promise<Id<"notes">> => {
    const { access, customer } = await requireCustomer(ctx, workspaceId, customerId);
    const actor = actorOf(access.identity);
    const noteId = await ctx.db.insert("notes", {
      workspaceId: access.workspace._id,
      customerId: customer._id,
      authorId: actor.id,
      authorName: actor.name,
      body: bodyOrThrow(body),
    });
    await recordActivity(ctx, { workspaceId: access.workspace._id, customerId: customer._id }, actor, {
      kind: "note",
      action: "added",
    });
    return noteId;
  },
});

/** The note, in the caller's workspace and under a customer that still exists, if the caller may change it. */
async function changeableNote(ctx: MutationCtx, workspaceId: Id<"workspaces"> | undefined, id: string) {
  const access = await requireAccess(ctx, workspaceId);
  const noteId = ctx.db.normalizeId("notes", id);
  const note = noteId === null ? null : await ctx.db.get("notes", noteId);
  // Another workspace's note, or one whose customer is deleted (its purge pending), reads as missing.
  if (note === null || note.workspaceId !== access.workspace._id || (await ctx.db.get("customers", note.customerId)) === null) {
    fail(NOT_FOUND, NOTE_NOT_FOUND);
  }
  if (!canChange(access, note)) fail(FORBIDDEN, "Only its author or an admin of this workspace can change this note.");
  return { access, note, target: { workspaceId: access.workspace._id, customerId: note.customerId } };
}

export const update = mutation({
  args: { id: v.string(), body: v.string(), ...inWorkspace },
  handler: async (ctx, { id, body, workspaceId }): Promise<null> => {
    const { access, note, target } = await changeableNote(ctx, workspaceId, id);
    const value = bodyOrThrow(body);
    if (value === note.body) return null;
    await ctx.db.patch("notes", note._id, { body: value, editedAt: Date.now() });
    await recordActivity(ctx, target, actorOf(access.identity), { kind: "note", action: "edited" });
    return null;
  },
});

export const remove = mutation({
  args: { id: v.string(), ...inWorkspace },
  handler: async (ctx, { id, workspaceId }): Promise<null> => {
    const { access, note, target } = await changeableNote(ctx, workspaceId, id);
    await ctx.db.delete("notes", note._id);
    await recordActivity(ctx, target, actorOf(access.identity), { kind: "note", action: "deleted" });
    return null;
  },
});
