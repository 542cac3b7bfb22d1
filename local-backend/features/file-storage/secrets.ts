/**
 * What file storage seals with the deployment's secret (`database/secret.ts`), so that nothing of
 * one deployment opens anything in another:
 * - upload tokens, the `token` of a `generateUploadUrl()` URL: AES-256-GCM over the time they
 *   were issued and the component whose storage the upload goes to, valid for an hour as in
 *   Convex (convex-backend crates/local_backend/src/storage.rs, STORE_FILE_AUTHORIZATION_VALIDITY)
 *   and, as there, for any number of uploads within that hour;
 * - file URL names, the UUID of `/api/storage/<uuid>` that `getUrl()` gives and `getMetadata()`
 *   calls `storageId` (Convex's legacy storage id): the random part of the file's `_storage` id,
 *   encrypted as one AES block. It cannot be derived from the id without the secret, so an id
 *   (which Convex deems safe to share) is never a download link, and it decrypts back to the id,
 *   so no table maps one to the other.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { deriveKey } from "../../database/secret";

/** How long an upload URL stays valid, as on Convex. */
export const UPLOAD_TOKEN_VALIDITY_SECONDS = 60 * 60;

const TOKEN_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ISSUED_BYTES = 8;

export type TokenCheck = "valid" | "invalid" | "expired";

export class UploadTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = deriveKey(secret, "clientele storage upload token v1");
  }

  /** A token issued at `issuedAtMs` (now, unless a test needs an old one) for uploads to a component's storage ("" for the app's). */
  issue(issuedAtMs = Date.now(), namespace = ""): string {
    const iv = randomBytes(IV_BYTES);
    const issued = Buffer.alloc(ISSUED_BYTES);
    issued.writeBigUInt64BE(BigInt(Math.floor(issuedAtMs / 1000)));
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.of(TOKEN_VERSION));
    const body = Buffer.concat([cipher.update(Buffer.concat([issued, Buffer.from(namespace, "utf8")])), cipher.final()]);
    return Buffer.concat([Buffer.of(TOKEN_VERSION), iv, body, cipher.getAuthTag()]).toString("base64url");
  }

  /** What a token holds: when it was issued and for which component's storage; null if it is not one of ours. */
  private open(token: string): { issuedSeconds: bigint; namespace: string } | null {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const bytes = Buffer.from(token, "base64url");
    if (bytes.length < 1 + IV_BYTES + ISSUED_BYTES + TAG_BYTES || bytes[0] !== TOKEN_VERSION) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(bytes.subarray(0, 1));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
      return { issuedSeconds: plain.readBigUInt64BE(), namespace: plain.subarray(ISSUED_BYTES).toString("utf8") };
    } catch {
      // Altered, truncated, or sealed with another deployment's secret.
      return null;
    }
  }

  check(token: string, nowMs = Date.now()): TokenCheck {
    const opened = this.open(token);
    if (opened === null) return "invalid";
    const nowSeconds = BigInt(Math.floor(nowMs / 1000));
    return opened.issuedSeconds + BigInt(UPLOAD_TOKEN_VALIDITY_SECONDS) <= nowSeconds ? "expired" : "valid";
  }

  /** The component whose storage a valid token's uploads go to ("" for the app's). */
  namespace(token: string): string {
    return this.open(token)?.namespace ?? "";
  }
}

/** A UUID as Convex's parser accepts it (hyphenated, simple, braced or URN; any case), as 16 bytes. */
export function parseUuid(text: string): Buffer | null {
  const match =
    /^(?:urn:uuid:)?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text) ??
    /^\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}$/i.exec(text) ??
    /^([0-9a-f]{32})$/i.exec(text);
  return match ? Buffer.from(match.slice(1).join(""), "hex") : null;
}

/** 16 bytes as a hyphenated lower-case UUID, as Convex prints one. */
export function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class FileUrlNames {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = deriveKey(secret, "clientele storage file url v1");
  }

  /** The UUID naming the file whose `_storage` id has this random part. */
  nameOf(internal: Uint8Array): string {
    const cipher = createCipheriv("aes-256-ecb", this.key, null).setAutoPadding(false);
    return formatUuid(Buffer.concat([cipher.update(internal), cipher.final()]));
  }

  /** The random part of the id a UUID names (any UUID opens to some id; almost always one that does not exist). */
  internalOf(uuid: Buffer): Buffer {
    const decipher = createDecipheriv("aes-256-ecb", this.key, null).setAutoPadding(false);
    return Buffer.concat([decipher.update(uuid), decipher.final()]);
  }
}
