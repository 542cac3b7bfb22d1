/** Calling a backend as trusted tooling does (the CLI, `npm start`'s migrations): with its admin key. */
import { ConvexHttpClient } from "convex/browser";
import type { FunctionReference, FunctionType } from "convex/server";

export interface AdminAuthCapable {
  setAdminAuth(token: string, actingAsIdentity?: Record<string, unknown>): void;
}

/** A ConvexHttpClient authenticated with the admin key (an @internal client API the CLI uses). */
export function adminClient(url: string, adminKey: string, actingAs?: Record<string, unknown>): ConvexHttpClient {
  const client = new ConvexHttpClient(url);
  (client as unknown as AdminAuthCapable).setAdminAuth(adminKey, actingAs);
  return client;
}

/** Lets a test call an internal function reference through a client (which only an admin may do). */
export function asPublic<T extends FunctionReference<FunctionType, "internal">>(
  ref: T,
): FunctionReference<T["_type"], "public", T["_args"], T["_returnType"]> {
  return ref as unknown as FunctionReference<T["_type"], "public", T["_args"], T["_returnType"]>;
}
