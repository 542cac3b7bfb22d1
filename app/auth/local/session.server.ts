/**
 * The local adapter's session: an httpOnly, SameSite=Lax cookie (Secure in production) holding
 * the user's email, HMAC-signed with the identity provider's secret. Stateless: any app server
 * with the same keys directory can read it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod/mini";

export const SESSION_COOKIE = "clientele_session";
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

const sessionSchema = z.object({ email: z.string().check(z.minLength(3), z.maxLength(254)), iat: z.int() });
export type LocalSession = z.infer<typeof sessionSchema>;

function signature(payload: string, secret: Buffer): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

export function encodeSession(session: LocalSession, secret: Buffer): string {
  const payload = Buffer.from(JSON.stringify(session)).toString("base64url");
  return `${payload}.${signature(payload, secret)}`;
}

/** The session in a cookie value, or null when it is missing, malformed, forged or expired. */
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
  const ageSeconds = now / 1000 - session.data.iat;
  return ageSeconds >= 0 - 60 && ageSeconds < SESSION_MAX_AGE_SECONDS ? session.data : null;
}
