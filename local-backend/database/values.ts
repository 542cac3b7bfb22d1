/**
 * Convex values as the backend handles them: the total order indexes follow, field paths,
 * and validation against the JSON form of `v.*` validators (schemas, args, returns).
 */
import { inspect } from "node:util";
import { compareValues, jsonToConvex, type JSONValue, type Value } from "convex/values";

export type Doc = Record<string, Value>;
export type FieldValue = Value | undefined;

/** Convex's value order, with fast paths for the plain strings and numbers most keys hold. */
export function compareFieldValues(a: FieldValue, b: FieldValue): number {
  if (typeof a === "string" && typeof b === "string") {
    // UTF-16 code unit order equals UTF-8 byte order below the surrogate range, so only a first
    // difference involving surrogates or higher needs the general comparison.
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const ca = a.charCodeAt(i);
      const cb = b.charCodeAt(i);
      if (ca === cb) continue;
      if (ca < 0xd800 && cb < 0xd800) return ca < cb ? -1 : 1;
      return compareValues(a, b);
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  } else if (typeof a === "number" && typeof b === "number") {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a !== 0 && a === b) return 0;
  }
  return compareValues(a, b);
}

export function compareKeys(a: readonly FieldValue[], b: readonly FieldValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareFieldValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function isPlainObject(value: unknown): value is Record<string, Value> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof ArrayBuffer) {
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** A field the object itself holds: never one inherited from its prototype (`constructor`, …). */
function ownField(object: Record<string, Value>, name: string): FieldValue {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

export function fieldValue(doc: Doc, path: string): FieldValue {
  if (!path.includes(".")) return ownField(doc, path);
  let current: FieldValue = doc;
  for (const part of path.split(".")) {
    if (!isPlainObject(current)) return undefined;
    current = ownField(current, part);
  }
  return current;
}

export type ValidatorJson =
  | { type: "null" | "number" | "bigint" | "boolean" | "string" | "bytes" | "any" | "commitTs" }
  | { type: "literal"; value: unknown }
  | { type: "id"; tableName: string }
  | { type: "array"; value: ValidatorJson }
  | { type: "record"; keys: ValidatorJson; values: { fieldType: ValidatorJson } }
  | { type: "object"; value: Record<string, { fieldType: ValidatorJson; optional: boolean }> }
  | { type: "union"; value: ValidatorJson[] };

/** Resolves whether a string is a valid id of the named table. */
export type IdChecker = (tableName: string, id: string) => boolean;

/** As the `convex` client does, a value in an error message is cut at 16,384 characters. */
const MAX_VALUE_FOR_ERROR_LEN = 16384;
const TRUNCATED = "[...truncated]";

function describe(value: FieldValue): string {
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof ArrayBuffer) return "ArrayBuffer";
  let text: string;
  try {
    text =
      JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ??
      inspect(value, { depth: 4, breakLength: Infinity });
  } catch {
    text = inspect(value, { depth: 4, breakLength: Infinity });
  }
  if (text.length <= MAX_VALUE_FOR_ERROR_LEN) return text;
  let end = MAX_VALUE_FOR_ERROR_LEN - TRUNCATED.length;
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? "")) end -= 1;
  return text.slice(0, end) + TRUNCATED;
}

/**
 * Checks `value` against a validator; returns null when it matches, or a message in the style
 * of Convex's validation errors ("Value does not match validator. Path: .x ...").
 */
export function validateValue(validator: ValidatorJson, value: FieldValue, isId: IdChecker, path = ""): string | null {
  const mismatch = (expected: string) =>
    `Value does not match validator.\nPath: ${path || "(root)"}\nValue: ${describe(value)}\nValidator: ${expected}`;
  switch (validator.type) {
    case "any":
      return value === undefined ? mismatch("v.any()") : null;
    case "null":
      return value === null ? null : mismatch("v.null()");
    case "number":
      return typeof value === "number" ? null : mismatch("v.float64()");
    case "bigint":
    case "commitTs":
      return typeof value === "bigint" ? null : mismatch("v.int64()");
    case "boolean":
      return typeof value === "boolean" ? null : mismatch("v.boolean()");
    case "string":
      return typeof value === "string" ? null : mismatch("v.string()");
    case "bytes":
      return value instanceof ArrayBuffer ? null : mismatch("v.bytes()");
    case "literal": {
      // Literals arrive in Convex's JSON form (a bigint literal is `{ $integer: … }`).
      const expected = jsonToConvex(validator.value as JSONValue);
      return compareValues(value, expected) === 0 && typeof value === typeof expected
        ? null
        : mismatch(`v.literal(${describe(expected)})`);
    }
    case "id":
      return typeof value === "string" && isId(validator.tableName, value) ? null : mismatch(`v.id("${validator.tableName}")`);
    case "array": {
      if (!Array.isArray(value)) return mismatch("v.array(...)");
      for (let i = 0; i < value.length; i++) {
        const err = validateValue(validator.value, value[i], isId, `${path}[${i}]`);
        if (err) return err;
      }
      return null;
    }
    case "record": {
      if (!isPlainObject(value)) return mismatch("v.record(...)");
      for (const [k, v] of Object.entries(value)) {
        const keyErr = validateValue(validator.keys, k, isId, `${path}.${k}`);
        if (keyErr) return keyErr;
        const err = validateValue(validator.values.fieldType, v, isId, `${path}.${k}`);
        if (err) return err;
      }
      return null;
    }
    case "object": {
      if (!isPlainObject(value)) return mismatch("v.object(...)");
      for (const [k, field] of Object.entries(validator.value)) {
        const fv = ownField(value, k);
        if (fv === undefined) {
          if (!field.optional) {
            return `Object is missing the required field \`${k}\`. Consider wrapping the field validator in \`v.optional(...)\` if this is expected.\n\nObject: ${describe(value)}\nValidator: v.object(...)`;
          }
          continue;
        }
        const err = validateValue(field.fieldType, fv, isId, `${path}.${k}`);
        if (err) return err;
      }
      for (const [k, fv] of Object.entries(value)) {
        if (!Object.hasOwn(validator.value, k) && fv !== undefined) {
          return `Object contains extra field \`${k}\` that is not in the validator.\n\nObject: ${describe(value)}\nValidator: v.object(...)`;
        }
      }
      return null;
    }
    case "union": {
      for (const member of validator.value) {
        if (validateValue(member, value, isId, path) === null) return null;
      }
      return mismatch("v.union(...)");
    }
  }
}
