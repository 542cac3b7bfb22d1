/**
 * Code this page was built with that the server no longer has: a redeploy replaced the build
 * while the page was open, so a chunk it loads lazily (a route, Clerk's UI, the server-function
 * fetcher) answers 404. Vite's loader announces each failure as `vite:preloadError` on window.
 */
export const STALE_BUILD_EVENT = "vite:preloadError";

/** How Chromium, Firefox and Safari word a failed dynamic import, and Vite a failed CSS preload. */
const STALE_BUILD_MESSAGE =
  /Failed to fetch dynamically imported module|error loading dynamically imported module|Importing a module script failed|Unable to preload CSS/i;

export function isStaleBuildError(error: unknown): boolean {
  return error instanceof Error && STALE_BUILD_MESSAGE.test(error.message);
}

/** What an action that needed the missing code tells its user. */
export const STALE_BUILD_ERROR = "Clientele was updated while this page was open. Reload the page to continue.";
