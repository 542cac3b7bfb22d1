/**
 * The auth port's server side: one `readAuthState()` with two adapters, chosen by configuration.
 * Failures of the identity provider (an unreachable Clerk, a forged or expired cookie) read as
 * signed out: a page never fails because of auth.
 */
import { deleteCookie, getCookie, setCookie } from "@tanstack/react-start/server";
import { getConfig } from "../../app.config";
import { normalizeEmail } from "./email";
import { loadLocalIdentityProvider } from "./local/identity-provider.server";
import { decodeSession, encodeSession, SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from "./local/session.server";
import { type AuthState, SIGNED_OUT } from "./types";

export async function readAuthState(): Promise<AuthState> {
  const config = getConfig();
  try {
    if (config.auth.mode === "local") {
      const provider = await loadLocalIdentityProvider(config.auth.keysDir);
      const session = decodeSession(getCookie(SESSION_COOKIE), provider.sessionSecret);
      if (!session) return SIGNED_OUT;
      const ttlSeconds = config.auth.tokenTtlSeconds;
      const token = await provider.mintConvexToken({ email: session.email }, { ttlSeconds });
      return { userId: session.email, email: session.email, token, expiresAt: Date.now() + ttlSeconds * 1000 };
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
    secure: config.isProduction,
    path: "/",
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
}

export function signOutLocally(): void {
  requireLocalMode();
  deleteCookie(SESSION_COOKIE, { path: "/" });
}
