import { defineSchema, defineTable } from "convex/server";
import { type Infer, v } from "convex/values";

export const customerStatus = v.union(v.literal("lead"), v.literal("active"), v.literal("inactive"));
export type CustomerStatus = Infer<typeof customerStatus>;

export const workspaceRole = v.union(v.literal("admin"), v.literal("member"));
export type WorkspaceRole = Infer<typeof workspaceRole>;

export const workspaceKind = v.union(v.literal("personal"), v.literal("team"));
export type WorkspaceKind = Infer<typeof workspaceKind>;

export const customerFields = {
  /** The workspace that owns the customer. Optional only until `migrations:customersToWorkspaces` has run. */
  workspaceId: v.optional(v.id("workspaces")),
  /**
   * Who created it: a `tokenIdentifier` (issuer|subject), unique across identity providers, or
   * `web-to-lead` for a lead a website's form posted (no tokenIdentifier lacks the `|`).
   */
  userId: v.string(),
  name: v.string(),
  email: v.string(),
  company: v.optional(v.string()),
  phone: v.optional(v.string()),
  status: customerStatus,
  notes: v.optional(v.string()),
  /** name, email and company joined: the one field a Convex search index can cover. */
  searchText: v.string(),
  /**
   * The email lower-cased: an import finds existing customers by it. Absent only on rows written
   * before it existed, which are not counted yet either (`migrations:customersBackfill`).
   */
  emailKey: v.optional(v.string()),
};

export const importOutcome = v.union(v.literal("created"), v.literal("updated"), v.literal("unchanged"), v.literal("skipped"));
export type ImportOutcome = Infer<typeof importOutcome>;

/** Customer fields whose changes the history records as old → new values (status has words of its own). */
export const historyField = v.union(
  v.literal("name"),
  v.literal("email"),
  v.literal("company"),
  v.literal("phone"),
  v.literal("notes"),
);
export type HistoryField = Infer<typeof historyField>;

/** One change in a customer's history (convex/lib/activity.ts records them). */
export const activityChange = v.union(
  /** `importedFrom`: the file a batch import read it from, e.g. "customers.csv". */
  v.object({ kind: v.literal("created"), importedFrom: v.optional(v.string()) }),
  /** An absent `from` is a field that was empty; an absent `to`, one that was cleared. */
  v.object({ kind: v.literal("field"), field: historyField, from: v.optional(v.string()), to: v.optional(v.string()) }),
  v.object({ kind: v.literal("status"), from: customerStatus, to: customerStatus }),
  /** A note's text is not repeated here: a deleted note leaves no copy of itself behind. */
  v.object({ kind: v.literal("note"), action: v.union(v.literal("added"), v.literal("edited"), v.literal("deleted")) }),
  /** A file's name as it was attached; its bytes are never here. */
  v.object({ kind: v.literal("file"), action: v.union(v.literal("attached"), v.literal("removed")), name: v.string() }),
);
export type ActivityChange = Infer<typeof activityChange>;

export default defineSchema({
  workspaces: defineTable({
    name: v.string(),
    kind: workspaceKind,
    /** Personal workspaces only: the owner's tokenIdentifier (one personal workspace per user). */
    ownerId: v.optional(v.string()),
  }).index("by_owner", ["ownerId"]),

  memberships: defineTable({
    workspaceId: v.id("workspaces"),
    /** The member's tokenIdentifier. */
    userId: v.string(),
    /** The member's verified email when known (shown to teammates); absent for migrated personal workspaces. */
    email: v.optional(v.string()),
    role: workspaceRole,
  })
    .index("by_user", ["userId"])
    .index("by_workspace_user", ["workspaceId", "userId"])
    .index("by_workspace_role", ["workspaceId", "role"]),

  invitations: defineTable({
    workspaceId: v.id("workspaces"),
    /** Lower-cased; only a caller whose verified email is this one can accept. */
    email: v.string(),
    role: workspaceRole,
    /** The inviting admin's email (or tokenIdentifier when the token carries none), for display. */
    invitedBy: v.string(),
    /**
     * When the daily clean-up (convex/crons.ts) marked it expired, `INVITATION_TTL_MS` after it
     * was sent; kept so both sides see "expired" until the admin invites again or it is dismissed.
     */
    expiredAt: v.optional(v.number()),
  })
    .index("by_email", ["email"])
    .index("by_workspace_email", ["workspaceId", "email"])
    // Not yet expired (expiredAt unset), oldest first: what the clean-up reads.
    .index("by_expired_at", ["expiredAt"]),

  customers: defineTable(customerFields)
    // Every index leads with workspaceId so a query never reads another workspace's rows.
    // Convex appends _creationTime to each index, which gives "newest first" for free.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- customers.list pages newest/oldest first by _creationTime; by_workspace_name sorts by name
    .index("by_workspace", ["workspaceId"])
    .index("by_workspace_name", ["workspaceId", "name"])
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- customers.list pages a status newest/oldest first by _creationTime; by_workspace_status_name sorts by name
    .index("by_workspace_status", ["workspaceId", "status"])
    .index("by_workspace_status_name", ["workspaceId", "status", "name"])
    .searchIndex("search_text", {
      searchField: "searchText",
      filterFields: ["workspaceId", "status"],
    })
    .index("by_workspace_email", ["workspaceId", "emailKey"])
    // Rows still to backfill (no emailKey): migrations:customersBackfill.
    .index("by_email_key", ["emailKey"]),

  /**
   * A workspace's web-to-lead token: at most one, none while web-to-lead is off. The token is a
   * key id (which finds this row) and a secret, of which only the SHA-256 is kept: it can be
   * checked, never shown again (convex/webToLead.ts).
   */
  webToLeadTokens: defineTable({
    workspaceId: v.id("workspaces"),
    keyId: v.string(),
    /** SHA-256 of the token's secret part, lower-case hex. */
    secretHash: v.string(),
    /** The admin who issued it (their email, or tokenIdentifier without one), for the settings page. */
    issuedBy: v.string(),
  })
    .index("by_workspace", ["workspaceId"])
    .index("by_key", ["keyId"]),

  /**
   * What an import did with each row it wrote (convex/imports.ts), so a batch sent again (a retry
   * after a lost answer) writes nothing twice and answers as the first time. Kept for a day.
   */
  importReceipts: defineTable({
    workspaceId: v.id("workspaces"),
    /** Chosen by the client, one per import of a file. */
    importId: v.string(),
    /** The row's number in the file (the header is row 1). */
    row: v.number(),
    outcome: importOutcome,
    /** The customer it created, updated or skipped as a duplicate. */
    customerId: v.id("customers"),
  }).index("by_import_row", ["workspaceId", "importId", "row"]),

  /** A customer's history: written by the mutation that makes each change, in its transaction. */
  activity: defineTable({
    workspaceId: v.id("workspaces"),
    customerId: v.id("customers"),
    /** Who made the change (tokenIdentifier), and their name as it was then, which is what is shown. */
    actorId: v.string(),
    actorName: v.string(),
    change: activityChange,
  })
    // Newest first per customer: Convex appends _creationTime to the index.
    .index("by_customer", ["customerId"]),

  /** Notes a team keeps on a customer (convex/notes.ts), newest first. */
  notes: defineTable({
    workspaceId: v.id("workspaces"),
    customerId: v.id("customers"),
    /** Who wrote it (tokenIdentifier), and their name as it was then. */
    authorId: v.string(),
    authorName: v.string(),
    /** Plain text with line breaks (lib/noteRules.ts). */
    body: v.string(),
    /** When it was last edited, if it was. */
    editedAt: v.optional(v.number()),
  }).index("by_customer", ["customerId"]),

  /** Files attached to a customer (convex/files.ts): their bytes are in Convex file storage. */
  files: defineTable({
    workspaceId: v.id("workspaces"),
    customerId: v.id("customers"),
    /** At most one file per stored object: an upload is attached once. */
    storageId: v.id("_storage"),
    /** The name it had on the uploader's computer, which a download gives it again. */
    name: v.string(),
    contentType: v.string(),
    /** Bytes, as `_storage` counted them on arrival. */
    size: v.number(),
    /** Who attached it (tokenIdentifier), and their name as it was then. */
    uploaderId: v.string(),
    uploaderName: v.string(),
  })
    .index("by_customer", ["customerId"])
    // What the clean-up of unattached uploads looks each stored object up by.
    .index("by_storage", ["storageId"]),
});
