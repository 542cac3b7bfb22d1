/**
 * Pagination cursors (ADR 008): opaque, bound to the query that made them and to this
 * deployment. A cursor is AES-256-GCM over `{fingerprint, position}` with a key derived from the
 * deployment's secret (`secret.ts`): a client can neither read the index key inside (it may hold
 * another user's values) nor forge or alter one, and a cursor from another query (its
 * fingerprint) or another deployment (its key) is refused.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from "node:crypto";
import { convexToJson, jsonToConvex, type JSONValue } from "convex/values";
import { deriveKey, loadDeploymentSecret } from "./secret";
import type { FieldValue } from "./values";

/** Where a page starts or ends within its query. */
export type CursorPosition =
  /** After every result. */
  | { kind: "end" }
  /** After the row with this full index key (fields, `_creationTime`, `_id`). */
  | { kind: "after"; key: FieldValue[] }
  /** Search results: after this many results of the ranking. */
  | { kind: "rank"; offset: number };

export type DecodedCursor = { ok: true; position: CursorPosition } | { ok: false; reason: "unreadable" | "other-query" };

const IV_BYTES = 12;
const TAG_BYTES = 16;

function encodePosition(position: CursorPosition): JSONValue {
  switch (position.kind) {
    case "end":
      return "end";
    case "rank":
      return { rank: position.offset };
    case "after":
      // undefined (a missing field) sorts first in an index and has no JSON form of its own.
      return { after: position.key.map((v) => (v === undefined ? [] : [convexToJson(v)])) };
  }
}

function decodePosition(json: unknown): CursorPosition | null {
  if (json === "end") return { kind: "end" };
  if (typeof json !== "object" || json === null) return null;
  const { rank, after } = json as { rank?: unknown; after?: unknown };
  if (typeof rank === "number" && Number.isSafeInteger(rank) && rank >= 0) return { kind: "rank", offset: rank };
  if (!Array.isArray(after)) return null;
  const key: FieldValue[] = [];
  for (const part of after as unknown[]) {
    if (!Array.isArray(part) || part.length > 1) return null;
    key.push(part.length === 0 ? undefined : jsonToConvex(part[0] as JSONValue));
  }
  return { kind: "after", key };
}

export class CursorCodec {
  private readonly encryptionKey: Buffer;
  private readonly ivKey: Buffer;

  constructor(secret: Buffer) {
    this.encryptionKey = deriveKey(secret, "clientele cursor encryption v1");
    this.ivKey = deriveKey(secret, "clientele cursor iv v1");
  }

  static forDataDir(dataDir: string): CursorCodec {
    return new CursorCodec(loadDeploymentSecret(dataDir));
  }

  /**
   * The cursor for `position` in the query with `fingerprint`. Deterministic (the IV is a MAC of
   * the plaintext), so re-running an unchanged page yields the same cursor and no needless update.
   */
  encode(fingerprint: string, position: CursorPosition): string {
    const plaintext = Buffer.from(JSON.stringify({ f: fingerprint, p: encodePosition(position) }));
    const iv = createHmac("sha256", this.ivKey).update(plaintext).digest().subarray(0, IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
  }

  decode(cursor: string, fingerprint: string): DecodedCursor {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return { ok: false, reason: "unreadable" };
    const bytes = Buffer.from(cursor, "base64url");
    if (bytes.length <= IV_BYTES + TAG_BYTES) return { ok: false, reason: "unreadable" };
    let plaintext: string;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.encryptionKey, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      plaintext = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      // Altered, truncated, or sealed with another deployment's secret.
      return { ok: false, reason: "unreadable" };
    }
    let parsed: { f?: unknown; p?: unknown };
    try {
      parsed = JSON.parse(plaintext) as { f?: unknown; p?: unknown };
    } catch {
      return { ok: false, reason: "unreadable" };
    }
    const position = decodePosition(parsed.p);
    if (typeof parsed.f !== "string" || position === null) return { ok: false, reason: "unreadable" };
    if (parsed.f !== fingerprint) return { ok: false, reason: "other-query" };
    return { ok: true, position };
  }
}

/** A digest naming a query: its table, index, range, order, filters and limit (or search). */
export function fingerprintOf(query: JSONValue): string {
  return createHash("sha256").update(JSON.stringify(query)).digest("base64url");
}
