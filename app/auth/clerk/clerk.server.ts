/**
 * The Clerk adapter's server side. `clerkMiddleware()` (app/auth/middleware.ts) has already
 * verified the request's `__session` cookie; `auth()` reads that result. The Convex token is
 * the JWT template's token (one Backend API call), or with the native Convex integration
 * (`jwtTemplate: null`) the session token itself, which Clerk issues with `aud: "convex"`.
 */
import { auth } from "@clerk/tanstack-react-start/server";
import { decodeJwt } from "jose";
import { type AuthState, SIGNED_OUT } from "../types";

export async function readClerkAuthState(jwtTemplate: string | null): Promise<AuthState> {
  const { userId, getToken, sessionClaims } = await auth();
  if (!userId) return SIGNED_OUT;
  const token = await getToken(jwtTemplate ? { template: jwtTemplate } : undefined);
  if (!token) return SIGNED_OUT;
  const claims = decodeJwt(token);
  // Clerk's session token carries no email; a "convex" template usually does.
  const email = [sessionClaims?.email, claims.email].find((value): value is string => typeof value === "string") ?? null;
  return { userId, email, token, expiresAt: claims.exp ? claims.exp * 1000 : null };
}
