/**
 * Code this page was built with that the server no longer has: a redeploy replaced the build
 * while the page was open, so a chunk it loads lazily (a route, Clerk's UI, the server-function
 * fetcher) answers 404. Vite's loader announces each failed load as `vite:preloadError` on
 * window, with the error as the event's `payload`. A lost connection fails the same way, so
 * neither the notice nor an action's message may take one for the other.
 */
export const STALE_BUILD_EVENT = "vite:preloadError";

/** How Chromium, Firefox and Safari word a failed dynamic import, and Vite a failed CSS preload. */
const CHUNK_LOAD_FAILED =
  /Failed to fetch dynamically imported module|error loading dynamically imported module|Importing a module script failed|Unable to preload CSS/i;

/** The chunk's address, where the browser puts it in the message (Chromium and Firefox do). */
const CHUNK_URL = /https?:\/\/\S+?\.(?:m?js|css)\b/;

/** A lazily loaded chunk did not load: gone after a redeploy, or the network failed. */
export function isChunkLoadError(error: unknown): error is Error {
  return error instanceof Error && CHUNK_LOAD_FAILED.test(error.message);
}

/** Whether the browser says it is offline (on the server, or when it cannot tell: no). */
export function isOffline(): boolean {
  return typeof navigator !== "undefined" && navigator.onLine === false;
}

/**
 * Whether a failed chunk is really gone from the server: asked again, it answers 404 or 410. A
 * request that fails (offline) or another answer is not a new build. Without an address in the
 * message (Safari) it cannot be asked, and only the browser's offline flag can rule it out.
 */
export async function isChunkGone(error: unknown): Promise<boolean> {
  if (!isChunkLoadError(error) || isOffline()) return false;
  const url = CHUNK_URL.exec(error.message)?.[0];
  if (url === undefined) return true;
  try {
    const response = await fetch(url, { method: "HEAD", cache: "no-store" });
    return response.status === 404 || response.status === 410;
  } catch {
    return false;
  }
}

/** What an action that needed the missing code tells its user. */
export const STALE_BUILD_ERROR = "Clientele was updated while this page was open. Reload the page to continue.";
