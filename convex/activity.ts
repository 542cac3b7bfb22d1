/**
 * A customer's history, newest first. The entries are written by the mutations that make each
 * change (lib/activity.ts); this module only reads them, for members of the customer's workspace.
 */
import { paginationOptsValidator, type PaginationResult } from "convex/server";
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { query } from "./_generated/server";
import { findCustomer, noPage } from "./lib/customerAccess";
import { inWorkspace } from "./lib/workspaces";
import type { ActivityChange } from "./schema";

/** An entry as the app shows it: who (by the name they had then), when, and what changed. */
export interface ActivityEntry {
  _id: Id<"activity">;
  _creationTime: number;
  actorName: string;
  change: ActivityChange;
}

export const list = query({
  args: { customerId: v.string(), paginationOpts: paginationOptsValidator, ...inWorkspace },
  handler: async (ctx, { customerId, paginationOpts, workspaceId }): Promise<PaginationResult<ActivityEntry>> => {
    const found = await findCustomer(ctx, workspaceId, customerId);
    if (found === null) return noPage();
    const result = await ctx.db
      .query("activity")
      .withIndex("by_customer", (q) => q.eq("customerId", found.customer._id))
      .order("desc")
      .paginate(paginationOpts);
    return {
      ...result,
      page: result.page.map(({ _id, _creationTime, actorName, change }) => ({ _id, _creationTime, actorName, change })),
    };
  },
});
