import { ConvexQueryClient } from "@convex-dev/react-query";
import { QueryClient } from "@tanstack/react-query";
import { createRouter } from "@tanstack/react-router";
import { setupRouterSsrQueryIntegration } from "@tanstack/react-router-ssr-query";
import { convexTokenFetcher } from "./auth/queries";
import { loadAuthUi } from "./auth/ui";
import { requestNonce } from "./lib/csp-nonce";
import { createUrlAfterPaintHistory } from "./lib/url-after-paint";
import { getPublicConfig } from "./lib/public-config";
import { routeTree } from "./routeTree.gen";

export async function getRouter() {
  const publicConfig = getPublicConfig();
  // Clerk mode only: Clerk's UI chunk, in before the first render (null with local sign-in).
  const authUi = await loadAuthUi(publicConfig);
  const convexQueryClient = new ConvexQueryClient(publicConfig.convexUrl, {
    // The hydrated token was minted for this page load: use it until shortly before it expires
    // instead of fetching another at once (which would also re-run every subscribed query).
    initialAuthTokenReuse: true,
    // Server renders read each query with one /api/query call, all of a page's queries at once:
    // one round trip to Convex instead of two in a row (/api/query_ts, then /api/query_at_ts).
    // Each page reads its data through one query function, which Convex runs on one snapshot;
    // the browser's subscriptions then move every query to one timestamp. See docs/decisions/003.
    dangerouslyUseInconsistentQueriesDuringSSR: true,
  });
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        queryKeyHashFn: convexQueryClient.hashFn(),
        queryFn: convexQueryClient.queryFn(),
      },
    },
  });
  convexQueryClient.connect(queryClient);
  if (typeof window !== "undefined") {
    // Before any subscription starts: Convex holds queries until the first token is in, so
    // hydrated pages never flash a signed-out error.
    convexQueryClient.convexClient.setAuth(convexTokenFetcher(queryClient));
  }

  const router = createRouter({
    routeTree,
    ...(typeof window === "undefined" ? {} : { history: createUrlAfterPaintHistory() }),
    context: { queryClient, convexQueryClient, publicConfig, authUi },
    scrollRestoration: true,
    defaultPreload: publicConfig.preload,
    // The router never caches loader results itself: loaders only call
    // queryClient.ensureQueryData, and the Convex subscription behind each query keeps
    // React Query's copy current. A preload therefore always runs the (cheap) loader, and
    // React Query decides whether anything needs fetching. See docs/decisions/003.
    defaultPreloadStaleTime: 0,
    // The request's CSP nonce on every inline script and style the server renders.
    ssr: { nonce: requestNonce() },
  });
  setupRouterSsrQueryIntegration({ router, queryClient });
  return router;
}

declare module "@tanstack/react-router" {
  interface Register {
    router: Awaited<ReturnType<typeof getRouter>>;
  }
}
