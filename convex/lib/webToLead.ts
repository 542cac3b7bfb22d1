/**
 * Web-to-lead's pieces that need no database: the token's shape, its digest, the constant-time
 * comparison, and reading a website form's body (JSON, urlencoded or multipart) into the lead's
 * fields. Web standard APIs only, so they run in Convex's default runtime
 * (docs/decisions/014-web-to-lead-and-invitation-expiry.md).
 */
import type { FieldErrors } from "./customerRules";

/** The path under the deployment's site URL; the token follows it (convex/http.ts). */
export const LEADS_PATH = "/leads/";
/** Leads one workspace takes per minute, in a burst or spread out; beyond it, 429. */
export const LEADS_PER_MINUTE = 60;

/** Bytes of the key id, which finds the token's row and is not secret on its own. */
const KEY_ID_BYTES = 12;
/** Bytes of the secret: 256 bits, so guessing it is hopeless and a plain SHA-256 is enough to store. */
const SECRET_BYTES = 32;
const KEY_ID_LENGTH = 16; // base64url of 12 bytes
const SECRET_LENGTH = 43; // base64url of 32 bytes, unpadded
const TOKEN_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${KEY_ID_LENGTH + SECRET_LENGTH}}$`);

/** The largest request body read: the fields' limits with room for encoding, far under Convex's 20 MiB. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The fields a lead may carry; anything else a form sends (a submit button, a honeypot) is ignored. */
export const LEAD_FIELDS = ["name", "email", "company", "phone", "notes"] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];
export type LeadFields = Partial<Record<LeadField, string>>;

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function randomBase64url(byteCount: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** SHA-256 of a secret, as lower-case hex (what is stored, and what is compared). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * A new token: the key id followed by the secret, URL-safe. Only the key id and the secret's
 * digest are kept; the token itself is returned to the admin once. Call it from an action,
 * where `crypto.getRandomValues` is not the seeded generator queries and mutations get.
 */
export async function newToken(): Promise<{ token: string; keyId: string; secretHash: string }> {
  const keyId = randomBase64url(KEY_ID_BYTES);
  const secret = randomBase64url(SECRET_BYTES);
  return { token: keyId + secret, keyId, secretHash: await sha256Hex(secret) };
}

/** The key id a token starts with: what names it, on the settings page too, without its secret. */
export function keyIdOf(token: string): string {
  return token.slice(0, KEY_ID_LENGTH);
}

/** A presented token split into its key id and the digest of its secret, or null when it has not the shape of one. */
export async function presentedToken(token: string): Promise<{ keyId: string; secretHash: string } | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  return { keyId: keyIdOf(token), secretHash: await sha256Hex(token.slice(KEY_ID_LENGTH)) };
}

/**
 * Whether two digests are equal, in time that does not depend on where they differ: every
 * character is compared, whatever the earlier ones were. (Lengths are no secret: every digest
 * is 64 hex characters.)
 */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** What a request's body held: the lead's fields, or why it could not be read. */
export type LeadBody =
  { ok: true; fields: LeadFields } | { ok: false; status: 400 | 413 | 415; error: string; fields?: FieldErrors };

const UNSUPPORTED =
  "Send the lead as JSON (application/json) or as a form (application/x-www-form-urlencoded or multipart/form-data).";
const TOO_LARGE = `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`;
export const FIX_FIELDS = "Please fix the fields named in `fields`.";

/** The body's bytes, or null past `MAX_BODY_BYTES` (read no further than that). */
async function readCapped(request: Request): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return null;
  if (request.body === null) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads the known fields from name/value pairs; a field given twice or as a file is an error naming it. */
function fieldsFrom(entries: Iterable<[string, unknown]>): LeadBody {
  const fields: LeadFields = {};
  const errors: FieldErrors = {};
  for (const [name, value] of entries) {
    const field = LEAD_FIELDS.find((known) => known === name);
    if (field === undefined || errors[field]) continue;
    if (value === null || value === undefined) continue;
    if (typeof value !== "string") errors[field] = `${field} must be text`;
    else if (fields[field] !== undefined) errors[field] = `${field} is given more than once`;
    else fields[field] = value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, status: 400, error: FIX_FIELDS, fields: errors } : { ok: true, fields };
}

/**
 * The lead a website's form posted: JSON (an object of strings), a urlencoded form, or a
 * multipart form, UTF-8, at most `MAX_BODY_BYTES`. Unknown fields are ignored.
 */
export async function readLead(request: Request): Promise<LeadBody> {
  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";", 1)[0]!.trim().toLowerCase();
  if (!["application/json", "application/x-www-form-urlencoded", "multipart/form-data"].includes(mediaType)) {
    return { ok: false, status: 415, error: UNSUPPORTED };
  }
  const bytes = await readCapped(request);
  if (bytes === null) return { ok: false, status: 413, error: TOO_LARGE };
  if (mediaType === "multipart/form-data") {
    let form: FormData;
    try {
      form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
    } catch {
      return { ok: false, status: 400, error: "The body is not a valid multipart form." };
    }
    return fieldsFrom(form.entries());
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, status: 400, error: "The body is not valid UTF-8." };
  }
  if (mediaType === "application/x-www-form-urlencoded") return fieldsFrom(new URLSearchParams(text).entries());
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, error: "The body is not valid JSON." };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, status: 400, error: 'The body must be a JSON object such as {"name": …, "email": …}.' };
  }
  return fieldsFrom(Object.entries(parsed));
}
