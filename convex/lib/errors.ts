import { ConvexError } from "convex/values";

/** Error codes every function uses in its ConvexError data (`{ code, message, fields? }`). */
export const INVALID_INPUT = "INVALID_INPUT";
export const NOT_FOUND = "NOT_FOUND";
/** A member asked for something their role does not allow, or a rule (last admin) refused it. */
export const FORBIDDEN = "FORBIDDEN";

export type ErrorCode = typeof INVALID_INPUT | typeof NOT_FOUND | typeof FORBIDDEN;

export function fail(code: ErrorCode, message: string, fields?: Record<string, string>): never {
  throw new ConvexError(fields ? { code, message, fields } : { code, message });
}
