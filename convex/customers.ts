import { paginationOptsValidator } from "convex/server";
import { type Infer, v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, mutation, query } from "./_generated/server";
import { actorOf } from "./lib/activity";
import { customerIn, customerOrThrow } from "./lib/customerAccess";
import { deleteCustomersWithData, purgeCustomerData } from "./lib/customerData";
import { FORBIDDEN, fail, INVALID_INPUT, NOT_FOUND } from "./lib/errors";
import { customerSummary, emptySummary } from "./lib/customerCounts";
import { type CustomerInput, validateCustomer, type ValidCustomer } from "./lib/customerRules";
import { insertCustomer, replaceCustomer } from "./lib/customerWrites";
import { findAccess, inWorkspace, requireAccess, requireAccessForWrite, WORKSPACE_NOT_FOUND } from "./lib/workspaces";
import { customerStatus } from "./schema";

export { INVALID_INPUT, NOT_FOUND } from "./lib/errors";
export const MAX_BATCH = 500;

export const customerSort = v.union(v.literal("newest"), v.literal("oldest"), v.literal("name"));
export type CustomerSort = Infer<typeof customerSort>;

/** Fields as clients send them; the rules in lib/customerRules.ts give the precise messages. */
export const inputFields = {
  name: v.string(),
  email: v.string(),
  company: v.optional(v.string()),
  phone: v.optional(v.string()),
  status: v.optional(customerStatus),
  notes: v.optional(v.string()),
};

/** A customer as the app sees it: without its workspace, creator and the helper fields. */
export type Customer = Omit<Doc<"customers">, "userId" | "searchText" | "workspaceId" | "emailKey">;

function toCustomer({
  userId: _userId,
  searchText: _searchText,
  workspaceId: _workspaceId,
  emailKey: _emailKey,
  ...customer
}: Doc<"customers">): Customer {
  return customer;
}

function validOrThrow(input: CustomerInput, label = "Please fix the highlighted fields."): ValidCustomer {
  const result = validateCustomer(input);
  if (!result.ok) fail(INVALID_INPUT, label, result.fields);
  return result.value;
}

export const listByUser = query({
  args: {
    paginationOpts: paginationOptsValidator,
    status: v.optional(customerStatus),
    sort: v.optional(customerSort),
    search: v.optional(v.string()),
    /**
     * With it, the first page also carries the workspace's status counts and new customers per
     * week for the weeks up to this one (any time in it; the client passes the time, as a
     * cached query must not read the clock): the list and its counts come from one snapshot.
     */
    summaryWeek: v.optional(v.number()),
    ...inWorkspace,
  },
  handler: async (ctx, { paginationOpts, status, sort = "newest", search, summaryWeek, workspaceId: requested }) => {
    const { access } = await findAccess(ctx, requested);
    const withSummary = summaryWeek !== undefined && paginationOpts.cursor === null;
    if (access === null) {
      // A personal workspace is created by the caller's first write: until then it is empty.
      if (requested === undefined)
        return { page: [], isDone: true, continueCursor: "", summary: withSummary ? emptySummary(summaryWeek) : null };
      fail(NOT_FOUND, WORKSPACE_NOT_FOUND);
    }
    const workspaceId = access.workspace._id;
    const summary = withSummary ? await customerSummary(ctx, workspaceId, summaryWeek) : null;
    const term = search?.trim().slice(0, 100);
    let result;
    if (term) {
      // Relevance order: a text search has no other meaningful order.
      result = await ctx.db
        .query("customers")
        .withSearchIndex("search_text", (q) => {
          const inWs = q.search("searchText", term).eq("workspaceId", workspaceId);
          return status ? inWs.eq("status", status) : inWs;
        })
        .paginate(paginationOpts);
    } else if (status) {
      result = await (
        sort === "name"
          ? ctx.db
              .query("customers")
              .withIndex("by_workspace_status_name", (q) => q.eq("workspaceId", workspaceId).eq("status", status))
          : ctx.db
              .query("customers")
              .withIndex("by_workspace_status", (q) => q.eq("workspaceId", workspaceId).eq("status", status))
              .order(sort === "oldest" ? "asc" : "desc")
      ).paginate(paginationOpts);
    } else {
      result = await (
        sort === "name"
          ? ctx.db.query("customers").withIndex("by_workspace_name", (q) => q.eq("workspaceId", workspaceId))
          : ctx.db
              .query("customers")
              .withIndex("by_workspace", (q) => q.eq("workspaceId", workspaceId))
              .order(sort === "oldest" ? "asc" : "desc")
      ).paginate(paginationOpts);
    }
    return { ...result, page: result.page.map(toCustomer), summary };
  },
});

export const get = query({
  args: { id: v.string(), ...inWorkspace },
  handler: async (ctx, { id, workspaceId }) => {
    const { access } = await findAccess(ctx, workspaceId);
    if (access === null) return null;
    const customer = await customerIn(ctx, access.workspace._id, id);
    return customer === null ? null : toCustomer(customer);
  },
});

export const create = mutation({
  args: { ...inputFields, ...inWorkspace },
  handler: async (ctx, { workspaceId, ...input }): Promise<Id<"customers">> => {
    const access = await requireAccessForWrite(ctx, workspaceId);
    return await insertCustomer(ctx, access.workspace._id, actorOf(access.identity), validOrThrow(input));
  },
});

/** Up to MAX_BATCH customers in one transaction (all or none); a CSV file goes through imports.ts. */
export const createMany = mutation({
  args: { customers: v.array(v.object(inputFields)), ...inWorkspace },
  handler: async (ctx, { customers, workspaceId }): Promise<Id<"customers">[]> => {
    const access = await requireAccessForWrite(ctx, workspaceId);
    if (customers.length > MAX_BATCH) {
      fail(INVALID_INPUT, `At most ${MAX_BATCH} customers per batch; got ${customers.length}.`);
    }
    const valid = customers.map((input, index) =>
      validOrThrow(input, `Customer #${index + 1}: please fix the highlighted fields.`),
    );
    const actor = actorOf(access.identity);
    const ids: Id<"customers">[] = [];
    for (const customer of valid) ids.push(await insertCustomer(ctx, access.workspace._id, actor, customer));
    return ids;
  },
});

export const update = mutation({
  args: {
    id: v.string(),
    name: v.optional(v.string()),
    email: v.optional(v.string()),
    company: v.optional(v.string()),
    phone: v.optional(v.string()),
    status: v.optional(customerStatus),
    notes: v.optional(v.string()),
    ...inWorkspace,
  },
  handler: async (ctx, { id, workspaceId, ...changes }): Promise<null> => {
    const access = await requireAccess(ctx, workspaceId);
    const existing = await customerOrThrow(ctx, access.workspace._id, id);
    const {
      _id,
      _creationTime,
      userId: _createdBy,
      workspaceId: _ws,
      searchText: _search,
      emailKey: _key,
      ...current
    } = existing;
    const merged = validOrThrow({ ...current, ...changes });
    await replaceCustomer(ctx, existing, merged, actorOf(access.identity));
    return null;
  },
});

/** Deleting is for admins (in a personal workspace, its owner). */
export const remove = mutation({
  args: { id: v.string(), ...inWorkspace },
  handler: async (ctx, { id, workspaceId }): Promise<null> => {
    const access = await requireAccess(ctx, workspaceId);
    const customer = await customerOrThrow(ctx, access.workspace._id, id);
    if (access.role !== "admin") fail(FORBIDDEN, "Only an admin of this workspace can delete customers.");
    await deleteCustomersWithData(ctx, [customer]);
    return null;
  },
});

/** Deletes what belonged to deleted customers, a batch per run, scheduling itself until done. */
export const purgeDeleted = internalMutation({
  args: { customerIds: v.array(v.id("customers")) },
  handler: async (ctx, { customerIds }): Promise<null> => {
    const remaining = await purgeCustomerData(ctx, customerIds);
    if (remaining.length > 0) await ctx.scheduler.runAfter(0, internal.customers.purgeDeleted, { customerIds: remaining });
    return null;
  },
});
