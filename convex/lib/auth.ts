import type { UserIdentity } from "convex/server";
import { ConvexError } from "convex/values";
import type { QueryCtx } from "../_generated/server";

export const UNAUTHENTICATED = "UNAUTHENTICATED";

/**
 * The caller's identity, or a ConvexError with code UNAUTHENTICATED. Every customer function
 * starts here: per-user isolation is enforced in the functions, not only by the UI's route guard.
 */
export async function requireAuth(ctx: Pick<QueryCtx, "auth">): Promise<UserIdentity> {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) {
    throw new ConvexError({ code: UNAUTHENTICATED, message: "You must be signed in to do this." });
  }
  return identity;
}
