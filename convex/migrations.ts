/**
 * Data migrations, run with the deployment's admin key: `npm start` runs them after the local
 * backend starts; on a Convex deployment run
 * `npx convex run migrations:customersToWorkspaces '{"scheduleRest": true}'` and then
 * `npx convex run migrations:customersBackfill '{"scheduleRest": true}'` after deploying.
 * Each is safe to run again (and concurrently with the app): it only touches what is left to do.
 */
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { countIfMissing } from "./lib/customerCounts";
import { emailKeyOf } from "./lib/customerRules";
import { ensurePersonalWorkspace } from "./lib/workspaces";

const DEFAULT_BATCH = 500;
const batchSizeOf = (requested: number) => Math.max(1, Math.min(Math.floor(requested), 4000));

/**
 * Customers from before workspaces (only a `userId`) move into their owner's personal
 * workspace, created if needed. One batch per call; `scheduleRest` schedules the next batches.
 */
export const customersToWorkspaces = internalMutation({
  args: { batchSize: v.optional(v.number()), scheduleRest: v.optional(v.boolean()) },
  handler: async (ctx, { batchSize = DEFAULT_BATCH, scheduleRest = false }): Promise<{ migrated: number; done: boolean }> => {
    const size = batchSizeOf(batchSize);
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

/**
 * Customers written before the status counts and import's duplicate check existed get their
 * `emailKey` and are counted (lib/customerCounts.ts), in one transaction per batch. Run after
 * customersToWorkspaces: a row without a workspace has no counts to join yet.
 */
export const customersBackfill = internalMutation({
  args: { batchSize: v.optional(v.number()), scheduleRest: v.optional(v.boolean()) },
  handler: async (ctx, { batchSize = DEFAULT_BATCH, scheduleRest = false }): Promise<{ migrated: number; done: boolean }> => {
    const size = batchSizeOf(batchSize);
    const rows = await ctx.db
      .query("customers")
      .withIndex("by_email_key", (q) => q.eq("emailKey", undefined))
      .take(size);
    let migrated = 0;
    for (const customer of rows) {
      if (customer.workspaceId === undefined) continue;
      await countIfMissing(ctx, customer);
      await ctx.db.patch("customers", customer._id, { emailKey: emailKeyOf(customer.email) });
      migrated++;
    }
    // A batch of rows without a workspace only (customersToWorkspaces not run) would come back forever.
    const done = rows.length < size || migrated === 0;
    if (!done && scheduleRest) {
      await ctx.scheduler.runAfter(0, internal.migrations.customersBackfill, { batchSize: size, scheduleRest });
    }
    return { migrated, done };
  },
});
