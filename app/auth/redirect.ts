export const DEFAULT_AFTER_SIGN_IN = "/customers";

/**
 * Where to go after sign-in: only a path on this site. Anything else (absolute URLs,
 * protocol-relative `//evil.example`, backslash tricks) falls back to the customers list.
 */
export function safeRedirect(value: unknown): string {
  if (typeof value !== "string" || value.length > 2048) return DEFAULT_AFTER_SIGN_IN;
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return DEFAULT_AFTER_SIGN_IN;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f]/.test(value) || value.startsWith("/sign-in")) return DEFAULT_AFTER_SIGN_IN;
  return value;
}
