/**
 * The rules for a customer's files, used by convex/files.ts (the authority) and by the Files tab
 * (to refuse a file before uploading it). Pure: no Convex or Node imports.
 */
import { isPlainText } from "./customerRules";

/** The largest file a customer can have: 25 MB (in MiB, as file managers count). */
export const MAX_FILE_BYTES = 25 * 1024 * 1024;
/** Names longer than this are refused (most file systems stop at 255 bytes). */
export const MAX_FILE_NAME = 255;
/** Longest content type kept (RFC 6838 allows 127 characters each side of the slash). */
export const MAX_CONTENT_TYPE = 255;

/** A size as people read it: "900 bytes", "12.5 KB", "25 MB" (1 KB = 1024 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${units[unit]}`;
}

/** Why a file of `size` bytes cannot be attached, or null if it can. */
export function fileSizeProblem(name: string, size: number): string | null {
  if (size <= MAX_FILE_BYTES) return null;
  const shown = formatBytes(size);
  const limit = formatBytes(MAX_FILE_BYTES);
  // Just over the limit, rounding would show the same size twice: bytes tell them apart.
  return shown === limit
    ? `“${name}” is ${size.toLocaleString("en")} bytes; a file can be at most ${limit} (${MAX_FILE_BYTES.toLocaleString("en")} bytes).`
    : `“${name}” is ${shown}; a file can be at most ${limit}.`;
}

export type FileNameResult = { ok: true; value: string } | { ok: false; message: string };

/** A file's name as kept: what the browser gave, trimmed; one line of plain text, never empty. */
export function validateFileName(name: string): FileNameResult {
  const value = name.trim();
  if (value === "") return { ok: false, message: "A file needs a name." };
  if (value.length > MAX_FILE_NAME) {
    return { ok: false, message: `A file's name can be at most ${MAX_FILE_NAME} characters; this one has ${value.length}.` };
  }
  if (!isPlainText(value)) {
    return { ok: false, message: "A file's name must not contain control characters or text-direction overrides." };
  }
  return { ok: true, value };
}

/** What a browser says a file is ("" when it does not know), kept only when it reads as a MIME type. */
export function normalContentType(contentType: string): string {
  const value = contentType.trim().toLowerCase();
  return value.length <= MAX_CONTENT_TYPE && /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;.*)?$/.test(value)
    ? value
    : "application/octet-stream";
}
