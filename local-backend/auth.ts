/**
 * Verifies user JWTs against the providers in `convex/auth.config.ts`, as Convex does:
 * `{ domain, applicationID }` via OIDC discovery, or `customJwt` (issuer, JWKS URL or data: URI,
 * algorithm). Signature, issuer, audience and expiry are checked; the identity's
 * `tokenIdentifier` is `issuer|subject`.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import type { AuthProviderConfig } from "./modules";

/** What `ctx.auth.getUserIdentity()` returns: a token's identity has subject and issuer too. */
export type UserIdentity = Record<string, unknown> & {
  tokenIdentifier: string;
  subject?: string;
  issuer?: string;
};

export class AuthenticationError extends Error {
  override name = "AuthenticationError";
}

type KeySet = ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;

const CLAIM_TO_FIELD: Record<string, string> = {
  name: "name",
  given_name: "givenName",
  family_name: "familyName",
  nickname: "nickname",
  preferred_username: "preferredUsername",
  profile: "profileUrl",
  picture: "pictureUrl",
  email: "email",
  email_verified: "emailVerified",
  gender: "gender",
  birthdate: "birthday",
  zoneinfo: "timezone",
  locale: "language",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
  address: "address",
  updated_at: "updatedAt",
};
const DROPPED_CLAIMS = new Set(["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "azp"]);

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function keySetFromDataUri(uri: string): KeySet {
  const comma = uri.indexOf(",");
  const meta = uri.slice(5, comma);
  const payload = uri.slice(comma + 1);
  const text = meta.endsWith(";base64") ? Buffer.from(payload, "base64").toString("utf8") : decodeURIComponent(payload);
  return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
}

export class TokenVerifier {
  private readonly keySets = new Map<string, Promise<{ keys: KeySet; issuer: string }>>();
  /** Verified tokens until they expire: HTTP clients send the same token with every request. */
  private readonly verified = new Map<string, { identity: UserIdentity; expiresAtMs: number }>();
  private static readonly CACHE_SIZE = 1000;

  constructor(private readonly providers: AuthProviderConfig[]) {}

  private keysFor(provider: AuthProviderConfig): Promise<{ keys: KeySet; issuer: string }> {
    const cacheKey = JSON.stringify(provider);
    let entry = this.keySets.get(cacheKey);
    if (!entry) {
      entry = this.resolveKeys(provider);
      // A failed discovery is retried on the next token rather than cached forever.
      entry.catch(() => this.keySets.delete(cacheKey));
      this.keySets.set(cacheKey, entry);
    }
    return entry;
  }

  private async resolveKeys(provider: AuthProviderConfig): Promise<{ keys: KeySet; issuer: string }> {
    if (provider.type === "customJwt") {
      if (!provider.issuer || !provider.jwks) throw new AuthenticationError("customJwt provider needs issuer and jwks");
      const keys = provider.jwks.startsWith("data:")
        ? keySetFromDataUri(provider.jwks)
        : createRemoteJWKSet(new URL(provider.jwks));
      return { keys, issuer: provider.issuer };
    }
    if (!provider.domain) throw new AuthenticationError("Auth provider needs a domain");
    const discoveryUrl = `${stripSlash(provider.domain)}/.well-known/openid-configuration`;
    const response = await fetch(discoveryUrl);
    if (!response.ok) throw new AuthenticationError(`OIDC discovery failed at ${discoveryUrl}: ${response.status}`);
    const config = (await response.json()) as { jwks_uri?: string; issuer?: string };
    if (!config.jwks_uri) throw new AuthenticationError(`No jwks_uri in ${discoveryUrl}`);
    return { keys: createRemoteJWKSet(new URL(config.jwks_uri)), issuer: config.issuer ?? provider.domain };
  }

  private matches(provider: AuthProviderConfig, payload: JWTPayload): boolean {
    const iss = payload.iss ? stripSlash(payload.iss) : undefined;
    const expected = provider.type === "customJwt" ? provider.issuer : provider.domain;
    return !!iss && !!expected && iss === stripSlash(expected);
  }

  /** The identity a token proves, or an AuthenticationError saying why it proves none. */
  async verify(token: string): Promise<UserIdentity> {
    const cached = this.verified.get(token);
    if (cached && cached.expiresAtMs > Date.now()) return cached.identity;
    if (cached) this.verified.delete(token);
    const identity = await this.verifyUncached(token);
    const { exp } = decodeJwt(token);
    if (typeof exp === "number") {
      if (this.verified.size >= TokenVerifier.CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { identity, expiresAtMs: exp * 1000 });
    }
    return identity;
  }

  private async verifyUncached(token: string): Promise<UserIdentity> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new AuthenticationError("Could not parse JWT payload. Check that the token is a valid JWT format.");
    }
    const provider = this.providers.find((p) => this.matches(p, unverified));
    if (!provider) {
      throw new AuthenticationError(
        `No auth provider found matching the given token (issuer: ${unverified.iss ?? "none"}). Check that your JWT's issuer and audience match one of your configured providers in auth.config.ts.`,
      );
    }
    let payload: JWTPayload;
    try {
      const { keys } = await this.keysFor(provider);
      const result = await jwtVerify(token, keys, {
        ...(provider.applicationID ? { audience: provider.applicationID } : {}),
        ...(provider.type === "customJwt" && provider.algorithm ? { algorithms: [provider.algorithm] } : {}),
      });
      payload = result.payload;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AuthenticationError(
        `Could not verify token claim: ${reason}. Check that the token signature is valid, its audience matches the applicationID and it hasn't expired.`,
      );
    }
    if (!payload.sub) throw new AuthenticationError("Token is missing the `sub` claim.");
    const issuer = payload.iss!;
    const identity: UserIdentity = { tokenIdentifier: `${issuer}|${payload.sub}`, subject: payload.sub, issuer };
    for (const [claim, value] of Object.entries(payload)) {
      if (DROPPED_CLAIMS.has(claim) || value === undefined) continue;
      identity[CLAIM_TO_FIELD[claim] ?? claim] = value;
    }
    return identity;
  }
}

/** Typed fields of an identity; any other field is a custom claim, passed through as given. */
const BOOLEAN_FIELDS = new Set(["emailVerified", "phoneNumberVerified"]);
const STRING_FIELDS = new Set(["issuer", "subject", ...Object.values(CLAIM_TO_FIELD).filter((f) => !BOOLEAN_FIELDS.has(f))]);

/**
 * The identity an admin acts as (`setAdminAuth(key, identity)`, the CLI's and dashboard's "act
 * as"), derived as Convex derives it (convex-backend crates/convex/sync_types/src/types/json.rs,
 * `UserIdentityAttributes` from JSON): `tokenIdentifier` as given, else `issuer|subject`.
 */
export function actingAsIdentity(value: unknown): UserIdentity {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AuthenticationError("The identity to act as must be an object");
  }
  const fields: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(value)) {
    const typed = STRING_FIELDS.has(field) || BOOLEAN_FIELDS.has(field) || field === "tokenIdentifier";
    // An absent typed field is left out, as Convex serializes an identity.
    if (typed && (v === undefined || v === null)) continue;
    if (STRING_FIELDS.has(field) && typeof v !== "string") throw new AuthenticationError(`The identity's \`${field}\` must be a string`);
    if (BOOLEAN_FIELDS.has(field) && typeof v !== "boolean") throw new AuthenticationError(`The identity's \`${field}\` must be a boolean`);
    fields[field] = v;
  }
  const { tokenIdentifier, issuer, subject } = fields;
  if (typeof tokenIdentifier === "string") return { ...fields, tokenIdentifier };
  if (tokenIdentifier !== undefined) throw new AuthenticationError("The identity's `tokenIdentifier` must be a string");
  if (typeof issuer === "string" && typeof subject === "string") return { ...fields, tokenIdentifier: `${issuer}|${subject}` };
  throw new AuthenticationError('Either "tokenIdentifier" or "issuer" and "subject" must be set');
}
