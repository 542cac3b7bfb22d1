/**
 * The auth port's server side: one `readAuthState()` with two adapters, chosen by configuration.
 * Failures of the identity provider (an unreachable Clerk, a forged or expired cookie) read as
 * signed out: a page never fails because of auth.
 */
import { deleteCookie, getCookie, getRequest, setCookie } from "@tanstack/react-start/server";
import { decodeJwt } from "jose";
import { getConfig, isLoopbackHost } from "../../app.config";
import { normalizeEmail } from "./email";
import { type LocalIdentityProvider, loadLocalIdentityProvider } from "./local/identity-provider.server";
import { isRevoked, revokeSession } from "./local/revocations.server";
import {
  decodeSession,
  encodeSession,
  type LocalSession,
  newSession,
  renewedSession,
  SESSION_COOKIE,
} from "./local/session.server";
import { type AuthState, SIGNED_OUT } from "./types";

/**
 * Local tokens by session id, reused for the first quarter of their lifetime: RS256 signing is
 * the costliest step of an SSR request. The Convex client asks for a new token only near expiry
 * (10 s before), so its refreshes always get a fresh one. Only handed out after the session was
 * checked against its revocation, and dropped at sign-out. Bounded, oldest first out.
 */
const localTokens = new Map<string, { token: string; expiresAt: number; reuseUntil: number }>();
const MAX_CACHED_TOKENS = 10_000;

async function localConvexToken(provider: LocalIdentityProvider, session: LocalSession, ttlSeconds: number) {
  const now = Date.now();
  const cached = localTokens.get(session.sid);
  if (cached && now < cached.reuseUntil) return cached;
  const token = await provider.mintConvexToken({ email: session.email }, { ttlSeconds });
  const entry = { token, expiresAt: (decodeJwt(token).exp ?? 0) * 1000, reuseUntil: now + (ttlSeconds * 1000) / 4 };
  localTokens.delete(session.sid);
  localTokens.set(session.sid, entry);
  if (localTokens.size > MAX_CACHED_TOKENS) localTokens.delete(localTokens.keys().next().value!);
  return entry;
}

type LocalAuthConfig = Extract<ReturnType<typeof getConfig>["auth"], { mode: "local" }>;

/** The request's session, unless it is missing, forged, expired or revoked by a sign-out. */
async function currentLocalSession(auth: LocalAuthConfig, provider: LocalIdentityProvider): Promise<LocalSession | null> {
  const session = decodeSession(getCookie(SESSION_COOKIE), provider.sessionSecret);
  if (!session || (await isRevoked(auth.keysDir, session.sid))) return null;
  return session;
}

function setSessionCookie(session: LocalSession, secret: Buffer, ttlSeconds: number): void {
  const { isProduction } = getConfig();
  setCookie(SESSION_COOKIE, encodeSession(session, secret), {
    httpOnly: true,
    sameSite: "lax",
    // Loopback is a secure context in browsers but Safari still refuses Secure cookies over
    // http://localhost, so `npm start` on this machine keeps working in every browser.
    secure: isProduction && !isLoopbackHost(new URL(getRequest().url).hostname),
    path: "/",
    maxAge: ttlSeconds,
  });
}

export async function readAuthState(): Promise<AuthState> {
  const config = getConfig();
  try {
    if (config.auth.mode === "local") {
      const provider = await loadLocalIdentityProvider(config.auth.keysDir);
      const session = await currentLocalSession(config.auth, provider);
      if (!session) return SIGNED_OUT;
      // Sliding: a session in use (page loads, token refreshes) does not end.
      const renewed = renewedSession(session, config.auth.sessionTtlSeconds);
      if (renewed) setSessionCookie(renewed, provider.sessionSecret, config.auth.sessionTtlSeconds);
      const { token, expiresAt } = await localConvexToken(provider, session, config.auth.tokenTtlSeconds);
      return { userId: session.email, email: session.email, token, expiresAt };
    }
    // Loaded on first use: in local mode no Clerk code runs on the server.
    const { readClerkAuthState } = await import("./clerk/clerk.server");
    return await readClerkAuthState(config.auth.jwtTemplate);
  } catch (error) {
    console.warn(`[auth] treating the request as signed out: ${error instanceof Error ? error.message : String(error)}`);
    return SIGNED_OUT;
  }
}

function requireLocalMode(): LocalAuthConfig {
  const { auth } = getConfig();
  if (auth.mode !== "local") throw new Error("Sign-in is handled by Clerk in this deployment.");
  return auth;
}

export async function signInLocally(email: string): Promise<void> {
  const auth = requireLocalMode();
  const provider = await loadLocalIdentityProvider(auth.keysDir);
  const session = newSession(normalizeEmail(email), auth.sessionTtlSeconds);
  setSessionCookie(session, provider.sessionSecret, auth.sessionTtlSeconds);
}

/** Ends the session for every app process (not only this browser's cookie) and forgets its token. */
export async function signOutLocally(): Promise<void> {
  const auth = requireLocalMode();
  const provider = await loadLocalIdentityProvider(auth.keysDir);
  const session = decodeSession(getCookie(SESSION_COOKIE), provider.sessionSecret);
  if (session) {
    await revokeSession(auth.keysDir, session, auth.sessionTtlSeconds);
    localTokens.delete(session.sid);
  }
  deleteCookie(SESSION_COOKIE, { path: "/" });
}
