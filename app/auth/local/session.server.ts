/**
 * The local adapter's session: an httpOnly, SameSite=Lax cookie (Secure in production) holding
 * a random session id, the user's email and the session's expiry, HMAC-signed with the identity
 * provider's secret. Any app server with the same keys directory can read it; sign-out revokes
 * its id there (./revocations.server.ts, docs/decisions/009-local-session-revocation.md).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "zod/mini";

export const SESSION_COOKIE = "clientele_session";

/** 128 random bits, base64url: also a file name in the revocation directory. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

const sessionSchema = z.object({
  sid: z.string().check(z.regex(SESSION_ID_PATTERN)),
  email: z.string().check(z.minLength(3), z.maxLength(254)),
  /** When the session began (seconds). */
  iat: z.int(),
  /** When it ends unless used again (seconds); each use past half its lifetime moves it on. */
  exp: z.int(),
});
export type LocalSession = z.infer<typeof sessionSchema>;

const nowSeconds = (now: number) => Math.floor(now / 1000);

export function newSession(email: string, ttlSeconds: number, now = Date.now()): LocalSession {
  const iat = nowSeconds(now);
  return { sid: randomBytes(16).toString("base64url"), email, iat, exp: iat + ttlSeconds };
}

/** The session with its expiry moved on, when less than half its lifetime is left; null otherwise. */
export function renewedSession(session: LocalSession, ttlSeconds: number, now = Date.now()): LocalSession | null {
  const left = session.exp - nowSeconds(now);
  return left < ttlSeconds / 2 ? { ...session, exp: nowSeconds(now) + ttlSeconds } : null;
}

function signature(payload: string, secret: Buffer): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

export function encodeSession(session: LocalSession, secret: Buffer): string {
  const payload = Buffer.from(JSON.stringify(session)).toString("base64url");
  return `${payload}.${signature(payload, secret)}`;
}

/**
 * The session in a cookie value, or null when it is missing, malformed, forged, expired or
 * issued in the future. Whether it was revoked is the caller's second question.
 */
export function decodeSession(value: string | undefined, secret: Buffer, now = Date.now()): LocalSession | null {
  if (!value) return null;
  const [payload, mac, ...rest] = value.split(".");
  if (!payload || !mac || rest.length > 0) return null;
  const expected = Buffer.from(signature(payload, secret));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const session = sessionSchema.safeParse(parsed);
  if (!session.success) return null;
  const seconds = now / 1000;
  // A minute of clock skew between app processes is tolerated for the start, none for the end.
  return session.data.iat <= seconds + 60 && seconds < session.data.exp ? session.data : null;
}
