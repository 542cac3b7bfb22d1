export const DEFAULT_AFTER_SIGN_IN = "/customers";

/** Any origin works as long as it is not a real one: only whether a target stays on it matters. */
const PROBE_ORIGIN = "http://clientele.invalid";

/**
 * Where a user may be sent after sign-in: a path on this site, or the customers list. The one
 * place that decides it; every redirect and navigation after sign-in uses its result.
 *
 * The target is judged after it is resolved as a browser and the router resolve it, because a
 * string that only looks like a path can resolve elsewhere: `/..//evil.example` and
 * `/%2e%2e//evil.example` resolve to `//evil.example`, which browsers read as another site.
 * - Control characters are refused: browsers drop tabs and newlines, so `/\t/evil.example` is `//evil.example`.
 * - Dot segments (also percent-encoded) and backslashes are resolved by the URL parser; a result
 *   on another origin, or starting with `//`, is refused.
 * - A path holding an encoded slash, backslash, dot or percent sign is refused: the router decodes
 *   paths, so `/%2F%2Fevil.example` could become `//evil.example` after this check. No page of
 *   this app has one in its path; the query string and fragment may (`/customers?q=a%2Fb`).
 * - Repeated slashes inside the path are collapsed, as the router matches them.
 * The result is the resolved path, query and fragment, so what was judged is what is followed.
 */
export function safeRedirect(value: unknown): string {
  return sameSitePath(value) ?? DEFAULT_AFTER_SIGN_IN;
}

function sameSitePath(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 2048 || !value.startsWith("/")) return null;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== PROBE_ORIGIN || url.pathname.startsWith("//")) return null;
  if (/%(2f|5c|2e|25|[01][0-9a-f]|7f)/i.test(url.pathname)) return null;
  const path = url.pathname.replace(/\/{2,}/g, "/");
  if (path === "/sign-in" || path.startsWith("/sign-in/")) return null;
  return `${path}${url.search}${url.hash}`;
}
