/**
 * Data migrations, run with the deployment's admin key: `npm start` runs them after the local
 * backend starts; on a Convex deployment run
 * `npx convex run migrations:customersToWorkspaces '{"scheduleRest": true}'` after deploying.
 * Each is safe to run again (and concurrently with the app): it only touches what is left to do.
 */
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { ensurePersonalWorkspace } from "./lib/workspaces";

const DEFAULT_BATCH = 500;

/**
 * Customers from before workspaces (only a `userId`) move into their owner's personal
 * workspace, created if needed. One batch per call; `scheduleRest` schedules the next batches.
 */
export const customersToWorkspaces = internalMutation({
  args: { batchSize: v.optional(v.number()), scheduleRest: v.optional(v.boolean()) },
  handler: async (ctx, { batchSize = DEFAULT_BATCH, scheduleRest = false }): Promise<{ migrated: number; done: boolean }> => {
    const size = Math.max(1, Math.min(Math.floor(batchSize), 4000));
    const legacy = await ctx.db
      .query("customers")
      .withIndex("by_workspace", (q) => q.eq("workspaceId", undefined))
      .take(size);
    const personal = new Map<string, Id<"workspaces">>();
    for (const customer of legacy) {
      let workspaceId = personal.get(customer.userId);
      if (workspaceId === undefined) {
        workspaceId = await ensurePersonalWorkspace(ctx, customer.userId, null);
        personal.set(customer.userId, workspaceId);
      }
      await ctx.db.patch("customers", customer._id, { workspaceId });
    }
    const done = legacy.length < size;
    if (!done && scheduleRest) {
      await ctx.scheduler.runAfter(0, internal.migrations.customersToWorkspaces, { batchSize: size, scheduleRest });
    }
    return { migrated: legacy.length, done };
  },
});
