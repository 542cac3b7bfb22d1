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
import { decodeSession, encodeSession, SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from "./local/session.server";
import { type AuthState, SIGNED_OUT } from "./types";

/**
 * Local tokens, reused for the first quarter of their lifetime: RS256 signing is the costliest
 * step of an SSR request. The Convex client asks for a new token only near expiry (10 s before),
 * so its refreshes always get a fresh one. Bounded, oldest first out.
 */
const localTokens = new Map<string, { token: string; expiresAt: number; reuseUntil: number }>();
const MAX_CACHED_TOKENS = 10_000;

async function localConvexToken(provider: LocalIdentityProvider, email: string, ttlSeconds: number) {
  const now = Date.now();
  const cached = localTokens.get(email);
  if (cached && now < cached.reuseUntil) return cached;
  const token = await provider.mintConvexToken({ email }, { ttlSeconds });
  const entry = { token, expiresAt: (decodeJwt(token).exp ?? 0) * 1000, reuseUntil: now + (ttlSeconds * 1000) / 4 };
  localTokens.delete(email);
  localTokens.set(email, entry);
  if (localTokens.size > MAX_CACHED_TOKENS) localTokens.delete(localTokens.keys().next().value!);
  return entry;
}

export async function readAuthState(): Promise<AuthState> {
  const config = getConfig();
  try {
    if (config.auth.mode === "local") {
      const provider = await loadLocalIdentityProvider(config.auth.keysDir);
      const session = decodeSession(getCookie(SESSION_COOKIE), provider.sessionSecret);
      if (!session) return SIGNED_OUT;
      const { token, expiresAt } = await localConvexToken(provider, session.email, config.auth.tokenTtlSeconds);
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

function requireLocalMode() {
  const config = getConfig();
  if (config.auth.mode !== "local") throw new Error("Sign-in is handled by Clerk in this deployment.");
  return config;
}

export async function signInLocally(email: string): Promise<void> {
  const config = requireLocalMode();
  if (config.auth.mode !== "local") return;
  const provider = await loadLocalIdentityProvider(config.auth.keysDir);
  const session = { email: normalizeEmail(email), iat: Math.floor(Date.now() / 1000) };
  setCookie(SESSION_COOKIE, encodeSession(session, provider.sessionSecret), {
    httpOnly: true,
    sameSite: "lax",
    // Loopback is a secure context in browsers but Safari still refuses Secure cookies over
    // http://localhost, so `npm start` on this machine keeps working in every browser.
    secure: config.isProduction && !isLoopbackHost(new URL(getRequest().url).hostname),
    path: "/",
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
}

export function signOutLocally(): void {
  requireLocalMode();
  deleteCookie(SESSION_COOKIE, { path: "/" });
}
