/**
 * Web-to-lead: a workspace's admin turns on a URL with a secret token, and a website's form
 * posts leads to it (`POST <site URL>/leads/<token>`, routed in convex/http.ts). Each lead is a
 * customer with status Lead, created as the app creates customers (lib/customerWrites.ts). The
 * token is shown once: only a key id and the secret's SHA-256 are kept. A wrong, rotated or
 * turned-off token is a 404 that says nothing about the workspace, and nothing is written on any
 * error. Leads are rate limited per workspace with the rate limiter component
 * (docs/decisions/014-web-to-lead-and-invitation-expiry.md).
 */
import { MINUTE, RateLimiter } from "@convex-dev/rate-limiter";
import { v } from "convex/values";
import { components, internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { action, httpAction, internalMutation, internalQuery, mutation, query, type QueryCtx } from "./_generated/server";
import { validateCustomer, type FieldErrors } from "./lib/customerRules";
import { insertCustomer } from "./lib/customerWrites";
import { requireAccess, verifiedEmail } from "./lib/workspaces";
import {
  FIX_FIELDS,
  type LeadField,
  LEADS_PATH,
  LEADS_PER_MINUTE,
  newToken,
  presentedToken,
  readLead,
  sameDigest,
} from "./lib/webToLead";

/** What a lead records as its creator (customers.userId): no person posted it. */
export const WEB_TO_LEAD_CREATOR = "web-to-lead";

const rateLimiter = new RateLimiter(components.rateLimiter, {
  webToLead: { kind: "token bucket", rate: LEADS_PER_MINUTE, period: MINUTE },
});

/** Compared against when no token has the key id, so a miss takes the time a wrong secret does. */
const NO_DIGEST = "0".repeat(64);

export interface WebToLeadStatus {
  /** When the current token was issued. */
  issuedAt: number;
  issuedBy: string;
  /** The current token's key id (not secret on its own): which token is the workspace's now. */
  keyId: string;
}

async function tokenOf(ctx: QueryCtx, workspaceId: Id<"workspaces">): Promise<Doc<"webToLeadTokens"> | null> {
  return await ctx.db
    .query("webToLeadTokens")
    .withIndex("by_workspace", (q) => q.eq("workspaceId", workspaceId))
    .unique();
}

/** Whether web-to-lead is on, and since when: for the workspace's admins (null while off). */
export const status = query({
  args: { workspaceId: v.id("workspaces") },
  handler: async (ctx, { workspaceId }): Promise<WebToLeadStatus | null> => {
    await requireAccess(ctx, workspaceId, "admin");
    const token = await tokenOf(ctx, workspaceId);
    return token === null ? null : { issuedAt: token._creationTime, issuedBy: token.issuedBy, keyId: token.keyId };
  },
});

/**
 * Turns web-to-lead on, or rotates its token: returns a new token, the only time it is shown.
 * The previous token stops working at once. An action, for real randomness (queries and
 * mutations get a seeded generator).
 */
export const issueToken = action({
  args: { workspaceId: v.id("workspaces") },
  handler: async (ctx, { workspaceId }): Promise<string> => {
    const { token, keyId, secretHash } = await newToken();
    await ctx.runMutation(internal.webToLead.storeToken, { workspaceId, keyId, secretHash });
    return token;
  },
});

/** Replaces the workspace's token; the caller (through issueToken) must be one of its admins. */
export const storeToken = internalMutation({
  args: { workspaceId: v.id("workspaces"), keyId: v.string(), secretHash: v.string() },
  handler: async (ctx, { workspaceId, keyId, secretHash }): Promise<null> => {
    const access = await requireAccess(ctx, workspaceId, "admin");
    const previous = await tokenOf(ctx, workspaceId);
    if (previous !== null) await ctx.db.delete("webToLeadTokens", previous._id);
    const issuedBy = access.membership.email ?? verifiedEmail(access.identity) ?? access.userId;
    await ctx.db.insert("webToLeadTokens", { workspaceId, keyId, secretHash, issuedBy });
    return null;
  },
});

/** Turns web-to-lead off: the token stops working at once. */
export const turnOff = mutation({
  args: { workspaceId: v.id("workspaces") },
  handler: async (ctx, { workspaceId }): Promise<null> => {
    await requireAccess(ctx, workspaceId, "admin");
    const token = await tokenOf(ctx, workspaceId);
    if (token !== null) await ctx.db.delete("webToLeadTokens", token._id);
    return null;
  },
});

/** The workspace a presented token opens, or null; the secret's digest is compared in constant time. */
async function workspaceFor(ctx: QueryCtx, keyId: string, secretHash: string): Promise<Id<"workspaces"> | null> {
  const token = await ctx.db
    .query("webToLeadTokens")
    .withIndex("by_key", (q) => q.eq("keyId", keyId))
    .unique();
  const matches = sameDigest(secretHash, token?.secretHash ?? NO_DIGEST);
  return token !== null && matches ? token.workspaceId : null;
}

const presented = { keyId: v.string(), secretHash: v.string() };

/** The lead's fields as read from the body (lib/webToLead.ts); the form's rules check them here. */
const leadFields = {
  name: v.optional(v.string()),
  email: v.optional(v.string()),
  company: v.optional(v.string()),
  phone: v.optional(v.string()),
  notes: v.optional(v.string()),
} satisfies Record<LeadField, unknown>;

/** Whether a token opens a workspace: asked only when the body cannot be read, so its error is not shown to a wrong token. */
export const tokenIsValid = internalQuery({
  args: presented,
  handler: async (ctx, { keyId, secretHash }): Promise<boolean> => (await workspaceFor(ctx, keyId, secretHash)) !== null,
});

type SubmitResult =
  | { outcome: "created" }
  | { outcome: "notFound" }
  | { outcome: "invalid"; fields: FieldErrors }
  | { outcome: "rateLimited"; retryAfterMs: number };

/**
 * One lead, in one transaction: the token, the fields (the form's rules, status Lead), the
 * workspace's rate limit, then the customer. Each refusal returns before anything is written.
 */
export const submit = internalMutation({
  args: { ...presented, lead: v.object(leadFields) },
  handler: async (ctx, { keyId, secretHash, lead }): Promise<SubmitResult> => {
    const workspaceId = await workspaceFor(ctx, keyId, secretHash);
    if (workspaceId === null) return { outcome: "notFound" };
    const result = validateCustomer({ ...lead, name: lead.name ?? "", email: lead.email ?? "", status: "lead" });
    if (!result.ok) return { outcome: "invalid", fields: result.fields };
    const limit = await rateLimiter.limit(ctx, "webToLead", { key: workspaceId });
    if (!limit.ok) return { outcome: "rateLimited", retryAfterMs: limit.retryAfter };
    // The history names the form as who created it: "The web form created this customer".
    await insertCustomer(ctx, workspaceId, { id: WEB_TO_LEAD_CREATOR, name: "The web form" }, result.value);
    return { outcome: "created" };
  },
});

/** Any website may post: the token, not the origin or a cookie, is what admits a lead. */
const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "Retry-After",
};

function answer(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...CORS, ...headers },
  });
}

/** The same for every token that opens nothing: wrong, rotated, turned off, or not a token at all. */
const notFound = () => answer(404, { ok: false, error: "Not found." });

/** `POST <site URL>/leads/<token>`: a website form's lead. */
export const postLead = httpAction(async (ctx, request) => {
  const token = await presentedToken(new URL(request.url).pathname.slice(LEADS_PATH.length));
  if (token === null) return notFound();
  const body = await readLead(request);
  if (!body.ok) {
    if (!(await ctx.runQuery(internal.webToLead.tokenIsValid, token))) return notFound();
    return answer(body.status, { ok: false, error: body.error, ...(body.fields ? { fields: body.fields } : {}) });
  }
  const result = await ctx.runMutation(internal.webToLead.submit, { ...token, lead: body.fields });
  switch (result.outcome) {
    case "created":
      return answer(201, { ok: true });
    case "notFound":
      return notFound();
    case "invalid":
      return answer(400, { ok: false, error: FIX_FIELDS, fields: result.fields });
    case "rateLimited": {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      return answer(
        429,
        { ok: false, error: `Too many leads for this form just now; try again in ${seconds} s.` },
        { "Retry-After": String(seconds) },
      );
    }
  }
});

/** The CORS preflight a website's `fetch` with a JSON body sends first. */
export const preflightLead = httpAction(
  async () =>
    new Response(null, {
      status: 204,
      headers: {
        ...CORS,
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "86400",
      },
    }),
);
