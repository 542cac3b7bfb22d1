/**
 * Verifies user JWTs against the providers in `convex/auth.config.ts`, as Convex does:
 * `{ domain, applicationID }` via OIDC discovery, or `customJwt` (issuer, JWKS URL or data: URI,
 * algorithm). A token goes to the provider whose issuer (and applicationID, when set) it names;
 * signature, expiry and issue time are checked with Convex's 5 s clock skew; the identity's
 * `tokenIdentifier` is `issuer|subject`. Errors carry Convex's codes and explanations.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import type { AuthProviderConfig } from "./modules";

/** What `ctx.auth.getUserIdentity()` returns: a token's identity has subject and issuer too. */
export type UserIdentity = Record<string, unknown> & {
  tokenIdentifier: string;
  subject?: string;
  issuer?: string;
};

/** Who runs a function. */
export interface Caller {
  identity: UserIdentity | null;
  /** Admin (the CLI, trusted tooling) and other functions may call internal functions. */
  allowInternal: boolean;
  /** The admin key itself, never a function it calls: it may also run the backend's own `_system/` queries. */
  admin?: true;
}

/** Convex's short codes for auth failures (the `code` of an HTTP 401 body). */
export type AuthErrorCode = "NoAuthProvider" | "InvalidAuthHeader" | "Unauthenticated" | "AuthProviderDiscoveryFailed";

export class AuthenticationError extends Error {
  override name = "AuthenticationError";
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** How far a token's `exp`, `nbf` and `iat` may be off from this machine's clock (Convex: 5 s). */
export const CLOCK_SKEW_SECONDS = 5;

/** Convex's description of the configured providers, for "no provider matches" errors. */
function describeProviders(providers: AuthProviderConfig[]): string {
  if (providers.length === 0) {
    return "No auth provider found matching the given token (no providers configured). Check convex/auth.config.ts.";
  }
  const list = providers.map((p) =>
    p.type === "customJwt"
      ? `CustomJWT(issuer=${p.issuer ?? ""}, app_id=${p.applicationID ?? "none"})`
      : `OIDC(domain=${p.domain ?? ""}, app_id=${p.applicationID ?? ""})`,
  );
  return `No auth provider found matching the given token. Check that your JWT's issuer and audience match one of your configured providers: [${list.join(", ")}]`;
}

/** jose's codes for "no key in the set verifies this token". */
const KEY_FAILURES = new Set([
  "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
  "ERR_JWKS_NO_MATCHING_KEY",
  "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
  "ERR_JOSE_ALG_NOT_ALLOWED",
  "ERR_JOSE_NOT_SUPPORTED",
  "ERR_JWS_INVALID",
  "ERR_JWT_INVALID",
]);

// Convex's token validator's wording for times out of range (biscuit's ValidationError).
const expiredAgo = (seconds: number) => `Token expired ${seconds} seconds ago`;
const validIn = (seconds: number) => `Token will be valid in ${seconds} seconds`;

/** A reason a verified-looking token must still be refused, or null. */
function temporalProblem(payload: JWTPayload, nowSeconds: number): string | null {
  if (typeof payload.iat === "number" && payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    return validIn(payload.iat - nowSeconds);
  }
  return null;
}

/** jose's refusal of `exp` or `nbf`, in Convex's words; any other claim keeps jose's. */
function claimProblem(error: unknown, token: string, reason: string): string {
  const { exp, nbf } = decodeJwt(token);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const claim = (error as { claim?: unknown }).claim;
  if (claim === "exp" && typeof exp === "number") return expiredAgo(nowSeconds - exp);
  if (claim === "nbf" && typeof nbf === "number") return validIn(nbf - nowSeconds);
  return reason;
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
  try {
    const text = meta.endsWith(";base64") ? Buffer.from(payload, "base64").toString("utf8") : decodeURIComponent(payload);
    return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
  } catch {
    throw new AuthenticationError(
      "InvalidAuthHeader",
      `Invalid JWKS response body from '${uri}'. The response is not valid JSON or doesn't match the expected JWKS format.`,
    );
  }
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
      if (!provider.issuer || !provider.jwks)
        throw new AuthenticationError("InvalidAuthHeader", "customJwt provider needs issuer and jwks");
      const keys = provider.jwks.startsWith("data:")
        ? keySetFromDataUri(provider.jwks)
        : createRemoteJWKSet(new URL(provider.jwks));
      return { keys, issuer: provider.issuer };
    }
    if (!provider.domain) throw new AuthenticationError("InvalidAuthHeader", "Auth provider needs a domain");
    const discoveryUrl = `${stripSlash(provider.domain)}/.well-known/openid-configuration`;
    const failed = (detail: string) =>
      new AuthenticationError("AuthProviderDiscoveryFailed", `Auth provider discovery of ${provider.domain} failed: ${detail}`);
    const response = await fetch(discoveryUrl).catch((error: unknown) => {
      throw failed(error instanceof Error ? error.message : String(error));
    });
    if (!response.ok) throw failed(`${response.status} ${await response.text().catch(() => "")}`.trim());
    const config = (await response.json().catch(() => ({}))) as { jwks_uri?: string; issuer?: string };
    if (!config.jwks_uri) throw failed(`no jwks_uri in ${discoveryUrl}`);
    return { keys: createRemoteJWKSet(new URL(config.jwks_uri)), issuer: config.issuer ?? provider.domain };
  }

  /** As Convex routes a token: its issuer names the provider, and its audience must hold the applicationID if one is set. */
  private matches(provider: AuthProviderConfig, payload: JWTPayload): boolean {
    const iss = payload.iss ? stripSlash(payload.iss) : undefined;
    const expected = provider.type === "customJwt" ? provider.issuer : provider.domain;
    if (!iss || !expected || iss !== stripSlash(expected)) return false;
    const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return !provider.applicationID || audiences.includes(provider.applicationID);
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
      throw new AuthenticationError(
        "InvalidAuthHeader",
        "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.",
      );
    }
    if (!unverified.iss) {
      throw new AuthenticationError(
        "InvalidAuthHeader",
        "Missing issuer claim ('iss') in JWT payload. The JWT must include an 'iss' claim that matches one of your configured auth providers.",
      );
    }
    const provider = this.providers.find((p) => this.matches(p, unverified));
    if (!provider) throw new AuthenticationError("NoAuthProvider", describeProviders(this.providers));
    const custom = provider.type === "customJwt";
    // Convex explains custom JWT failures in detail and OIDC ones in one sentence.
    const refuse = (customReason: string) =>
      custom
        ? new AuthenticationError("InvalidAuthHeader", customReason)
        : new AuthenticationError(
            "Unauthenticated",
            "Could not verify OIDC token claim. Check that the token signature is valid and the token hasn't expired.",
          );
    const { keys } = await this.keysFor(provider);
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw refuse("Could not decode token. JWT may be missing a 'kid' (key ID) header.");
    }
    const keyFailure = () =>
      refuse(
        kid === undefined
          ? "Could not decode token. JWT may be missing a 'kid' (key ID) header."
          : `Could not decode token. The JWT's 'kid' (key ID) header is '${kid}', does this key match any key in the provider's JWKS?`,
      );
    // Convex looks a custom JWT's key up by its kid alone, even in a set of one key.
    if (custom && kid === undefined) throw keyFailure();
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(
        token,
        async (header, jws) => {
          try {
            return await keys(header, jws);
          } catch (error) {
            // Without a `kid`, a key set with several candidate keys cannot say which one signed
            // the token; Convex refuses it rather than trying each key.
            if ((error as { code?: unknown }).code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS") throw keyFailure();
            throw error;
          }
        },
        {
          clockTolerance: CLOCK_SKEW_SECONDS,
          ...(custom && provider.algorithm ? { algorithms: [provider.algorithm] } : {}),
        },
      );
      payload = result.payload;
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      const code = (error as { code?: unknown }).code;
      const reason = error instanceof Error ? error.message : String(error);
      if (code === "ERR_JWT_EXPIRED" || code === "ERR_JWT_CLAIM_VALIDATION_FAILED")
        throw refuse(`Could not validate token: ${claimProblem(error, token, reason)}`);
      if (typeof code === "string" && KEY_FAILURES.has(code)) throw keyFailure();
      throw refuse(
        `Could not fetch JWKS from URL '${provider.jwks ?? ""}': ${reason}. Check that the URL is correct and accessible.`,
      );
    }
    const problem = temporalProblem(payload, Math.floor(Date.now() / 1000));
    if (problem) throw refuse(`Could not validate token: ${problem}`);
    if (!payload.sub) {
      throw refuse(
        "Could not verify token claim. Check that the JWT contains valid claims and matches your auth provider configuration.",
      );
    }
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
    throw new AuthenticationError("InvalidAuthHeader", "The identity to act as must be an object");
  }
  const fields: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(value)) {
    const typed = STRING_FIELDS.has(field) || BOOLEAN_FIELDS.has(field) || field === "tokenIdentifier";
    // An absent typed field is left out, as Convex serializes an identity.
    if (typed && (v === undefined || v === null)) continue;
    if (STRING_FIELDS.has(field) && typeof v !== "string")
      throw new AuthenticationError("InvalidAuthHeader", `The identity's \`${field}\` must be a string`);
    if (BOOLEAN_FIELDS.has(field) && typeof v !== "boolean")
      throw new AuthenticationError("InvalidAuthHeader", `The identity's \`${field}\` must be a boolean`);
    fields[field] = v;
  }
  const { tokenIdentifier, issuer, subject } = fields;
  if (typeof tokenIdentifier === "string") return { ...fields, tokenIdentifier };
  if (tokenIdentifier !== undefined)
    throw new AuthenticationError("InvalidAuthHeader", "The identity's `tokenIdentifier` must be a string");
  if (typeof issuer === "string" && typeof subject === "string") return { ...fields, tokenIdentifier: `${issuer}|${subject}` };
  throw new AuthenticationError("InvalidAuthHeader", 'Either "tokenIdentifier" or "issuer" and "subject" must be set');
}
