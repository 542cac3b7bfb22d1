import { defineSchema, defineTable } from "convex/server";
import { type Infer, v } from "convex/values";

export const customerStatus = v.union(
  v.literal("lead"),
  v.literal("active"),
  v.literal("inactive"),
);
export type CustomerStatus = Infer<typeof customerStatus>;

export const customerFields = {
  /** The owner's `tokenIdentifier` (issuer|subject): unique across identity providers. */
  userId: v.string(),
  name: v.string(),
  email: v.string(),
  company: v.optional(v.string()),
  phone: v.optional(v.string()),
  status: customerStatus,
  notes: v.optional(v.string()),
  /** name, email and company joined: the one field a Convex search index can cover. */
  searchText: v.string(),
};

export default defineSchema({
  customers: defineTable(customerFields)
    // Every index leads with userId so a query never reads another user's rows.
    // Convex appends _creationTime to each index, which gives "newest first" for free.
    .index("by_user", ["userId"])
    .index("by_user_name", ["userId", "name"])
    .index("by_user_status", ["userId", "status"])
    .index("by_user_status_name", ["userId", "status", "name"])
    .searchIndex("search_text", {
      searchField: "searchText",
      filterFields: ["userId", "status"],
    }),
});
