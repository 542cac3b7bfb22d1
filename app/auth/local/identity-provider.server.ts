/**
 * The local identity provider: the offline stand-in for Clerk. It keeps an RS256 key pair in
 * LOCAL_AUTH_KEYS_DIR (created on first run, mode 600, outside git) and mints the short-lived
 * Convex JWTs that `convex/auth.config.ts`'s customJwt provider accepts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { normalizeEmail } from "../email";

/** Identifies tokens of this provider; Convex's tokenIdentifier becomes `${LOCAL_ISSUER}|<email>`. */
export const LOCAL_ISSUER = "https://local-idp.clientele.invalid";
const AUDIENCE = "convex";
const ALGORITHM = "RS256";

interface StoredKeys {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  /** HMAC secret for the session cookie. */
  sessionSecret: string;
}

export interface LocalIdentityProvider {
  issuer: string;
  /** The public key set as a data: URI, for the customJwt provider's `jwks` (LOCAL_AUTH_JWKS). */
  jwksDataUri: string;
  /** Secret for signing the session cookie. */
  sessionSecret: Buffer;
  mintConvexToken(user: { email: string; name?: string }, options?: { ttlSeconds?: number }): Promise<string>;
}

async function createKeys(): Promise<StoredKeys> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const kid = randomUUID();
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: "sig" },
    sessionSecret: randomBytes(32).toString("base64url"),
  };
}

/** Reads the key file, or creates it; when two processes race on first run, both end up with the winner's keys. */
async function loadOrCreateKeys(keysDir: string): Promise<StoredKeys> {
  const file = join(keysDir, "local-idp.json");
  try {
    return JSON.parse(await readFile(file, "utf8")) as StoredKeys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const keys = await createKeys();
  try {
    await writeFile(file, JSON.stringify(keys), { mode: 0o600, flag: "wx" });
    return keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return JSON.parse(await readFile(file, "utf8")) as StoredKeys;
  }
}

const providers = new Map<string, Promise<LocalIdentityProvider>>();

export function loadLocalIdentityProvider(keysDir: string): Promise<LocalIdentityProvider> {
  let provider = providers.get(keysDir);
  if (!provider) {
    provider = build(keysDir);
    providers.set(keysDir, provider);
  }
  return provider;
}

async function build(keysDir: string): Promise<LocalIdentityProvider> {
  const keys = await loadOrCreateKeys(keysDir);
  const privateKey = await importJWK(keys.privateJwk, ALGORITHM);
  const jwks = JSON.stringify({ keys: [keys.publicJwk] });
  return {
    issuer: LOCAL_ISSUER,
    jwksDataUri: `data:application/json;base64,${Buffer.from(jwks).toString("base64")}`,
    sessionSecret: Buffer.from(keys.sessionSecret, "base64url"),
    async mintConvexToken(user, options = {}) {
      const email = normalizeEmail(user.email);
      const now = Math.floor(Date.now() / 1000);
      // email_verified: the local sign-in email is the identity itself, so Convex functions
      // can trust it as they trust a verified email from Clerk (invitations, docs/decisions/011).
      return (
        new SignJWT({ email, email_verified: true, name: user.name ?? email.split("@")[0] })
          .setProtectedHeader({ alg: ALGORITHM, kid: keys.kid, typ: "JWT" })
          .setIssuer(LOCAL_ISSUER)
          .setSubject(email)
          .setAudience(AUDIENCE)
          .setIssuedAt(now)
          .setExpirationTime(now + (options.ttlSeconds ?? 3600))
          // Unique per mint: a forced refresh within the same second must still yield a new token,
          // or the Convex client treats it as unchanged and stops scheduling refreshes.
          .setJti(randomUUID())
          .sign(privateKey)
      );
    },
  };
}
