import { type QueryClient, queryOptions } from "@tanstack/react-query";
import { getAuthState } from "./auth.functions";
import type { AuthState } from "./types";

/** Ask again this long before the token expires, so Convex never holds an expired one. */
const REFRESH_MARGIN_MS = 30_000;

export const authQueryKey = ["auth"] as const;

/**
 * The auth state as a query: fresh for the token's lifetime, so hovering and navigating reuse it
 * instead of calling the server function each time.
 */
export const authQueryOptions = () =>
  queryOptions({
    queryKey: authQueryKey,
    queryFn: () => getAuthState(),
    staleTime: (query) => {
      const expiresAt = query.state.data?.expiresAt;
      if (expiresAt === null || expiresAt === undefined) return Number.POSITIVE_INFINITY;
      // Half the lifetime at most, for very short tokens.
      const lifetime = expiresAt - query.state.dataUpdatedAt;
      return Math.max(0, Math.min(lifetime - REFRESH_MARGIN_MS, lifetime / 2));
    },
    gcTime: Number.POSITIVE_INFINITY,
  });

/** The auth state the server rendered the page with: waits for hydration rather than asking again. */
function hydratedAuthState(queryClient: QueryClient, timeoutMs: number): Promise<AuthState | undefined> {
  const current = queryClient.getQueryData<AuthState>(authQueryKey);
  if (current) return Promise.resolve(current);
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const unsubscribe = queryClient.getQueryCache().subscribe(() => {
      if (queryClient.getQueryData(authQueryKey)) done();
    });
    function done() {
      clearTimeout(timer);
      unsubscribe();
      resolve(queryClient.getQueryData<AuthState>(authQueryKey));
    }
  });
}

/**
 * Convex's token fetcher for the browser: the cached token, a hydrated one on first load, or a
 * new one from the server when Convex asks for a refresh (before expiry, or after a rejection).
 */
export function convexTokenFetcher(queryClient: QueryClient) {
  return async ({ forceRefreshToken }: { forceRefreshToken: boolean }): Promise<string | null> => {
    if (forceRefreshToken) {
      await queryClient.invalidateQueries({ queryKey: authQueryKey, refetchType: "none" });
    } else {
      await hydratedAuthState(queryClient, 200);
    }
    const state = await queryClient.fetchQuery(authQueryOptions());
    return state.token;
  };
}
