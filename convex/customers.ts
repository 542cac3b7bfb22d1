import { paginationOptsValidator } from "convex/server";
import { ConvexError, type Infer, v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { mutation, type MutationCtx, query, type QueryCtx } from "./_generated/server";
import { requireAuth } from "./lib/auth";
import { type CustomerInput, searchTextOf, validateCustomer, type ValidCustomer } from "./lib/customerRules";
import { customerStatus } from "./schema";

export const INVALID_INPUT = "INVALID_INPUT";
export const NOT_FOUND = "NOT_FOUND";
export const MAX_BATCH = 500;

export const customerSort = v.union(v.literal("newest"), v.literal("oldest"), v.literal("name"));
export type CustomerSort = Infer<typeof customerSort>;

/** Fields as clients send them; the rules in lib/customerRules.ts give the precise messages. */
const inputFields = {
  name: v.string(),
  email: v.string(),
  company: v.optional(v.string()),
  phone: v.optional(v.string()),
  status: v.optional(customerStatus),
  notes: v.optional(v.string()),
};

/** A customer as the app sees it: without the owner and the search helper field. */
export type Customer = Omit<Doc<"customers">, "userId" | "searchText">;

function toCustomer({ userId: _userId, searchText: _searchText, ...customer }: Doc<"customers">): Customer {
  return customer;
}

function validOrThrow(input: CustomerInput, label = "Please fix the highlighted fields."): ValidCustomer {
  const result = validateCustomer(input);
  if (!result.ok) throw new ConvexError({ code: INVALID_INPUT, message: label, fields: result.fields });
  return result.value;
}

function toDocument(userId: string, customer: ValidCustomer) {
  return { userId, ...customer, searchText: searchTextOf(customer) };
}

/** The caller's customer with this id, or null: a foreign, missing or malformed id reads the same. */
async function ownCustomer(ctx: QueryCtx, userId: string, id: string): Promise<Doc<"customers"> | null> {
  const customerId = ctx.db.normalizeId("customers", id);
  if (customerId === null) return null;
  const customer = await ctx.db.get(customerId);
  return customer !== null && customer.userId === userId ? customer : null;
}

async function ownCustomerOrThrow(ctx: MutationCtx, userId: string, id: string): Promise<Doc<"customers">> {
  const customer = await ownCustomer(ctx, userId, id);
  if (customer === null) throw new ConvexError({ code: NOT_FOUND, message: "That customer does not exist or was deleted." });
  return customer;
}

export const listByUser = query({
  args: {
    paginationOpts: paginationOptsValidator,
    status: v.optional(customerStatus),
    sort: v.optional(customerSort),
    search: v.optional(v.string()),
  },
  handler: async (ctx, { paginationOpts, status, sort = "newest", search }) => {
    const { tokenIdentifier: userId } = await requireAuth(ctx);
    const term = search?.trim().slice(0, 100);
    let result;
    if (term) {
      // Relevance order: a text search has no other meaningful order.
      result = await ctx.db
        .query("customers")
        .withSearchIndex("search_text", (q) => {
          const byUser = q.search("searchText", term).eq("userId", userId);
          return status ? byUser.eq("status", status) : byUser;
        })
        .paginate(paginationOpts);
    } else if (status) {
      result = await (sort === "name"
        ? ctx.db.query("customers").withIndex("by_user_status_name", (q) => q.eq("userId", userId).eq("status", status))
        : ctx.db
            .query("customers")
            .withIndex("by_user_status", (q) => q.eq("userId", userId).eq("status", status))
            .order(sort === "oldest" ? "asc" : "desc")
      ).paginate(paginationOpts);
    } else {
      result = await (sort === "name"
        ? ctx.db.query("customers").withIndex("by_user_name", (q) => q.eq("userId", userId))
        : ctx.db
            .query("customers")
            .withIndex("by_user", (q) => q.eq("userId", userId))
            .order(sort === "oldest" ? "asc" : "desc")
      ).paginate(paginationOpts);
    }
    return { ...result, page: result.page.map(toCustomer) };
  },
});

export const get = query({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const { tokenIdentifier: userId } = await requireAuth(ctx);
    const customer = await ownCustomer(ctx, userId, id);
    return customer === null ? null : toCustomer(customer);
  },
});

export const create = mutation({
  args: inputFields,
  handler: async (ctx, input): Promise<Id<"customers">> => {
    const { tokenIdentifier: userId } = await requireAuth(ctx);
    return await ctx.db.insert("customers", toDocument(userId, validOrThrow(input)));
  },
});

/** Import: up to MAX_BATCH customers in one transaction (all or none). */
export const createMany = mutation({
  args: { customers: v.array(v.object(inputFields)) },
  handler: async (ctx, { customers }): Promise<Id<"customers">[]> => {
    const { tokenIdentifier: userId } = await requireAuth(ctx);
    if (customers.length > MAX_BATCH) {
      throw new ConvexError({ code: INVALID_INPUT, message: `At most ${MAX_BATCH} customers per batch; got ${customers.length}.` });
    }
    const valid = customers.map((input, index) => validOrThrow(input, `Customer #${index + 1}: please fix the highlighted fields.`));
    const ids: Id<"customers">[] = [];
    for (const customer of valid) ids.push(await ctx.db.insert("customers", toDocument(userId, customer)));
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
  },
  handler: async (ctx, { id, ...changes }): Promise<null> => {
    const { tokenIdentifier: userId } = await requireAuth(ctx);
    const existing = await ownCustomerOrThrow(ctx, userId, id);
    const { _id, _creationTime, userId: _owner, searchText: _search, ...current } = existing;
    const merged = validOrThrow({ ...current, ...changes });
    // replace, not patch: a field cleared in the form ("" → undefined) must be removed.
    await ctx.db.replace(_id, toDocument(userId, merged));
    return null;
  },
});

export const remove = mutation({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<null> => {
    const { tokenIdentifier: userId } = await requireAuth(ctx);
    const customer = await ownCustomerOrThrow(ctx, userId, id);
    await ctx.db.delete(customer._id);
    return null;
  },
});
