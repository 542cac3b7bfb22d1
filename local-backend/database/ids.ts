/**
 * Convex document ids: base32 (Convex's alphabet) of
 * `[varint(tableNumber)] [16 random bytes] [fletcher16 footer ^ version]`.
 * User tables are numbered from 10001 as in Convex, which makes ids 32 characters long.
 */
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const INVERSE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));
const INTERNAL_ID_LEN = 16;
const FOOTER_LEN = 2;
const VERSION = 0;
const MIN_LEN = Math.ceil(((1 + INTERNAL_ID_LEN + FOOTER_LEN) * 8) / 5);
const MAX_LEN = Math.ceil(((5 + INTERNAL_ID_LEN + FOOTER_LEN) * 8) / 5);

export const FIRST_USER_TABLE_NUMBER = 10001;

function encodeBase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function decodeBase32(text: string): Uint8Array | null {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = INVERSE.get(char);
    if (value === undefined) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  // Leftover bits must be zero padding, or the string is not a canonical encoding.
  if (buffer !== 0) return null;
  return Uint8Array.from(out);
}

/** Fletcher-16 as Convex ids use it: both running sums modulo 256. */
function fletcher16(bytes: Uint8Array): number {
  let low = 0;
  let high = 0;
  for (const byte of bytes) {
    low = (low + byte) & 0xff;
    high = (high + low) & 0xff;
  }
  return (high << 8) | low;
}

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** The id of the document numbered `internal` (16 bytes) in table `tableNumber`. */
export function encodeDocumentId(tableNumber: number, internal: Uint8Array): string {
  if (internal.length !== INTERNAL_ID_LEN) throw new Error(`An id's internal part is ${INTERNAL_ID_LEN} bytes`);
  const body = Uint8Array.from([...encodeVarint(tableNumber), ...internal]);
  const footer = fletcher16(body) ^ VERSION;
  // The footer is stored little-endian.
  return encodeBase32(Uint8Array.from([...body, footer & 255, footer >> 8]));
}

export function newDocumentId(tableNumber: number): string {
  return encodeDocumentId(tableNumber, randomBytes(INTERNAL_ID_LEN));
}

/** The table number and internal bytes of a well-formed id, or null when the string is not a valid Convex id. */
export function decodeDocumentId(id: string): { tableNumber: number; internal: Uint8Array } | null {
  if (id.length < MIN_LEN || id.length > MAX_LEN) return null;
  const bytes = decodeBase32(id);
  if (bytes === null || bytes.length < 1 + INTERNAL_ID_LEN + FOOTER_LEN) return null;
  // Canonical encodings only: no extra characters beyond what the bytes need.
  if (Math.ceil((bytes.length * 8) / 5) !== id.length) return null;
  let tableNumber = 0;
  let multiplier = 1;
  let offset = 0;
  for (;;) {
    const byte = bytes[offset];
    if (byte === undefined || offset >= 5) return null;
    tableNumber += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    offset += 1;
    if ((byte & 0x80) === 0) break;
  }
  if (bytes.length !== offset + INTERNAL_ID_LEN + FOOTER_LEN) return null;
  const body = bytes.subarray(0, offset + INTERNAL_ID_LEN);
  const footer = (bytes[bytes.length - 2]! | (bytes[bytes.length - 1]! << 8)) ^ VERSION;
  if (fletcher16(body) !== footer) return null;
  if (tableNumber === 0) return null;
  return { tableNumber, internal: bytes.slice(offset, offset + INTERNAL_ID_LEN) };
}

/** The table number of a well-formed id, or null when the string is not a valid Convex id. */
export function tableNumberOfId(id: string): number | null {
  return decodeDocumentId(id)?.tableNumber ?? null;
}
