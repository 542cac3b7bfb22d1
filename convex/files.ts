/**
 * A customer's files, in Convex file storage: a member of the customer's workspace asks for an
 * upload URL, uploads the bytes there (the browser, straight to Convex), then attaches the stored
 * object to the customer with its original name. Members list them, each with a URL to open or
 * download it; the uploader or an admin removes one, which deletes its bytes. Attaching and
 * removing are in the customer's history, in the same transaction. An upload never attached is
 * deleted by a daily cron job (forgetUnattachedUploads) once it is a day old.
 * docs/decisions/016-customer-files.md
 */
import { paginationOptsValidator, type PaginationResult } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, mutation, type MutationCtx, query } from "./_generated/server";
import { actorOf, recordActivity } from "./lib/activity";
import { findCustomer, noPage, requireCustomer } from "./lib/customerAccess";
import { deleteStoredObject } from "./lib/customerData";
import { FORBIDDEN, fail, INVALID_INPUT, NOT_FOUND } from "./lib/errors";
import { fileSizeProblem, normalContentType, validateFileName } from "./lib/fileRules";
import { inWorkspace, requireAccess, type WorkspaceAccess } from "./lib/workspaces";

/** A file as the app shows it, with the URL that serves its bytes (a capability: see ADR 016). */
export interface FileEntry {
  _id: Id<"files">;
  _creationTime: number;
  name: string;
  contentType: string;
  size: number;
  uploaderName: string;
  /** Null only in the moment between a removal's commit and this list's update. */
  url: string | null;
  canRemove: boolean;
}

/** An upload older than this that no file references is deleted: by then no attach is coming. */
export const UNATTACHED_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;
/** Stored objects looked at per transaction by the clean-up. */
const FORGET_BATCH = 500;

const FILE_NOT_FOUND = "That file does not exist or was removed.";

function canRemove(access: WorkspaceAccess, file: Doc<"files">): boolean {
  return access.role === "admin" || file.uploaderId === access.userId;
}

export const list = query({
  args: { customerId: v.string(), paginationOpts: paginationOptsValidator, ...inWorkspace },
  handler: async (ctx, { customerId, paginationOpts, workspaceId }): Promise<PaginationResult<FileEntry>> => {
    const found = await findCustomer(ctx, workspaceId, customerId);
    if (found === null) return noPage();
    const result = await ctx.db
      .query("files")
      .withIndex("by_customer", (q) => q.eq("customerId", found.customer._id))
      .order("desc")
      .paginate(paginationOpts);
    const page = await Promise.all(
      result.page.map(async (file): Promise<FileEntry> => ({
        _id: file._id,
        _creationTime: file._creationTime,
        name: file.name,
        contentType: file.contentType,
        size: file.size,
        uploaderName: file.uploaderName,
        url: await ctx.storage.getUrl(file.storageId),
        canRemove: canRemove(found.access, file),
      })),
    );
    return { ...result, page };
  },
});

/** A URL to upload one file's bytes to (valid for an hour), for members of the customer's workspace only. */
export const generateUploadUrl = mutation({
  args: { customerId: v.string(), ...inWorkspace },
  handler: async (ctx, { customerId, workspaceId }): Promise<string> => {
    await requireCustomer(ctx, workspaceId, customerId);
    return await ctx.storage.generateUploadUrl();
  },
});

/**
 * Attaches an uploaded object to the customer. The size that counts is the one storage measured
 * as the bytes arrived (a client cannot claim a smaller one); `size` is what the browser said it
 * sent, which must agree.
 */
export const attach = mutation({
  args: {
    customerId: v.string(),
    storageId: v.id("_storage"),
    name: v.string(),
    contentType: v.string(),
    size: v.number(),
    ...inWorkspace,
  },
  handler: async (ctx, { customerId, storageId, name, contentType, size, workspaceId }): Promise<Id<"files">> => {
    const { access, customer } = await requireCustomer(ctx, workspaceId, customerId);
    const validName = validateFileName(name);
    if (!validName.ok) fail(INVALID_INPUT, validName.message, { name: validName.message });
    const stored = await ctx.db.system.get("_storage", storageId);
    if (stored === null) fail(NOT_FOUND, "That upload is not there any more; upload the file again.");
    // One file per stored object: attaching another's upload (or one twice) would share its bytes and removal.
    const attached = await ctx.db
      .query("files")
      .withIndex("by_storage", (q) => q.eq("storageId", storageId))
      .first();
    if (attached !== null) fail(INVALID_INPUT, "That upload is already attached.");
    const tooLarge = fileSizeProblem(validName.value, stored.size);
    if (tooLarge !== null) fail(INVALID_INPUT, tooLarge);
    if (size !== stored.size) {
      fail(INVALID_INPUT, `The upload has ${stored.size} bytes, not the file's ${size}; upload it again.`);
    }
    const actor = actorOf(access.identity);
    const fileId = await ctx.db.insert("files", {
      workspaceId: access.workspace._id,
      customerId: customer._id,
      storageId,
      name: validName.value,
      // What storage serves it as, which is what the browser sent it as.
      contentType: normalContentType(stored.contentType ?? contentType),
      size: stored.size,
      uploaderId: actor.id,
      uploaderName: actor.name,
    });
    await recordActivity(ctx, { workspaceId: access.workspace._id, customerId: customer._id }, actor, {
      kind: "file",
      action: "attached",
      name: validName.value,
    });
    return fileId;
  },
});

/** The file, in the caller's workspace and under a customer that still exists, if the caller may remove it. */
async function removableFile(ctx: MutationCtx, workspaceId: Id<"workspaces"> | undefined, id: string) {
  const access = await requireAccess(ctx, workspaceId);
  const fileId = ctx.db.normalizeId("files", id);
  const file = fileId === null ? null : await ctx.db.get("files", fileId);
  // Another workspace's file, or one whose customer is deleted (its purge pending), reads as missing.
  if (file === null || file.workspaceId !== access.workspace._id || (await ctx.db.get("customers", file.customerId)) === null) {
    fail(NOT_FOUND, FILE_NOT_FOUND);
  }
  if (!canRemove(access, file))
    fail(FORBIDDEN, "Only the person who attached this file or an admin of this workspace can remove it.");
  return { access, file };
}

/** Removes a file and deletes its bytes: its URL serves nothing from this commit on. */
export const remove = mutation({
  args: { id: v.string(), ...inWorkspace },
  handler: async (ctx, { id, workspaceId }): Promise<null> => {
    const { access, file } = await removableFile(ctx, workspaceId, id);
    await ctx.db.delete("files", file._id);
    await deleteStoredObject(ctx, file.storageId);
    await recordActivity(ctx, { workspaceId: access.workspace._id, customerId: file.customerId }, actorOf(access.identity), {
      kind: "file",
      action: "removed",
      name: file.name,
    });
    return null;
  },
});

/**
 * Deletes uploads no file references once they are UNATTACHED_UPLOAD_TTL_MS old: a tab closed
 * between the upload and the attach, a refused attach. Younger ones are left alone, since their
 * attach may still be on its way (an upload URL lives an hour). Walks every stored object older
 * than the cut-off, a batch per transaction (a daily cron job, convex/crons.ts).
 */
export const forgetUnattachedUploads = internalMutation({
  args: { before: v.optional(v.number()), cursor: v.optional(v.string()) },
  handler: async (ctx, args): Promise<{ deleted: number }> => {
    const before = args.before ?? Date.now() - UNATTACHED_UPLOAD_TTL_MS;
    const { page, isDone, continueCursor } = await ctx.db.system
      .query("_storage")
      .withIndex("by_creation_time", (q) => q.lt("_creationTime", before))
      .paginate({ numItems: FORGET_BATCH, cursor: args.cursor ?? null });
    let deleted = 0;
    for (const stored of page) {
      const file = await ctx.db
        .query("files")
        .withIndex("by_storage", (q) => q.eq("storageId", stored._id))
        .first();
      if (file !== null) continue;
      await ctx.storage.delete(stored._id);
      deleted++;
    }
    if (!isDone) await ctx.scheduler.runAfter(0, internal.files.forgetUnattachedUploads, { before, cursor: continueCursor });
    return { deleted };
  },
});
