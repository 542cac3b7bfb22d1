import type { ConvexQueryClient } from "@convex-dev/react-query";
import { ConvexProvider } from "convex/react";
import type { QueryClient } from "@tanstack/react-query";
import { createRootRouteWithContext, Link, Outlet, ScriptOnce, Scripts, useRouter } from "@tanstack/react-router";
import { type ReactNode, useEffect, useMemo, useState } from "react";
import type { PublicConfig } from "../../app.config";
import { authQueryOptions } from "../auth/queries";
import type { ClerkUi } from "../auth/ui";
import { UserMenu } from "../auth/user-menu";
import { DocumentHead } from "../components/document-head";
import { HeaderMenu } from "../components/header-menu";
import { NavigationFocus } from "../components/navigation-focus";
import { useRouterAnchors } from "../components/router-anchors";
import { StaleBuildNotice } from "../components/stale-build-notice";
import { WorkspaceSwitcher } from "../features/workspaces/components/workspace-switcher";
import { TimeZoneProvider } from "../components/time-zone";
import { FAVICON_HREF } from "../lib/favicon";
import { publicConfigScript } from "../lib/public-config";
import { renderedTimeZone } from "../lib/time-zone";
import appCss from "../styles/app.css?url";

export interface RouterContext {
  queryClient: QueryClient;
  convexQueryClient: ConvexQueryClient;
  publicConfig: PublicConfig;
  /** Clerk's browser UI in Clerk mode; null with local sign-in. */
  authUi: ClerkUi | null;
}

export const Route = createRootRouteWithContext<RouterContext>()({
  beforeLoad: async ({ context }) => {
    // Cached for the token's lifetime: hovers and navigations do not call the server again.
    const auth = await context.queryClient.fetchQuery(authQueryOptions());
    const ssrClient = context.convexQueryClient.serverHttpClient;
    if (ssrClient) {
      // Server side (one router per request): SSR and loaders query Convex as this user.
      if (auth.token) ssrClient.setAuth(auth.token);
      else ssrClient.clearAuth();
    }
    return { auth };
  },
  // Only what changes from page to page goes through the router's head (each page's title); the
  // tags every page has are in RootDocument, rendered once: the router rebuilds and compares its
  // head tags at each of a navigation's state changes (docs/decisions/007).
  head: () => ({ meta: [{ title: "Clientele" }] }),
  shellComponent: RootDocument,
  component: RootLayout,
});

/**
 * The router's own context (query clients, configuration, auth UI) is the same object for the
 * page's life: read from the router, not from the route's context, which is a new object after
 * every navigation and would re-render the whole document and header on each click.
 */
function useStaticContext(): RouterContext {
  return useRouter().options.context;
}

function RootDocument({ children }: { children: ReactNode }) {
  const { publicConfig } = useStaticContext();
  // Written on <html> by the server, read back there by the browser for hydration.
  const [timeZone] = useState(renderedTimeZone);
  // The document re-renders on every router update (its children are the matches); the head
  // and the scripts follow the router themselves, so they are kept out of those re-renders.
  const head = useMemo(
    () => (
      <>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="description" content="Your customers, one hover away." />
        <meta name="theme-color" content="#2f5bea" />
        <link rel="stylesheet" href={appCss} />
        <link rel="icon" href={FAVICON_HREF} type="image/svg+xml" />
        {/* Added to a phone's home screen: public/manifest.webmanifest and its icons. */}
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="apple-touch-icon" href="/apple-touch-icon.png" />
        <ScriptOnce>{publicConfigScript(publicConfig)}</ScriptOnce>
        <DocumentHead />
      </>
    ),
    [publicConfig],
  );
  const scripts = useMemo(() => <Scripts />, []);
  return (
    <html lang="en" data-time-zone={timeZone}>
      <head>{head}</head>
      <body>
        {children}
        {scripts}
      </body>
    </html>
  );
}

function RootLayout() {
  const { convexQueryClient, authUi, publicConfig } = useStaticContext();
  // The cached auth state: the same object until it changes.
  const auth = Route.useRouteContext({ select: (context) => context.auth });
  useRouterAnchors();
  useEffect(() => {
    // Lets tests and tools wait for hydration instead of guessing with timeouts.
    document.documentElement.dataset.hydrated = "true";
  }, []);
  const app = (
    <ConvexProvider client={convexQueryClient.convexClient}>
      <TimeZoneProvider>
        <div className="app">
          <StaleBuildNotice />
          <header className="app-header">
            <Link to="/" className="brand">
              Clientele
            </Link>
            {auth.userId ? (
              <>
                <WorkspaceSwitcher />
                <HeaderMenu>
                  <nav aria-label="Main" className="app-nav">
                    <Link to="/customers" activeProps={{ "aria-current": "page" }}>
                      Customers
                    </Link>
                    <Link to="/workspaces" activeProps={{ "aria-current": "page" }}>
                      Workspaces
                    </Link>
                  </nav>
                  <UserMenu auth={auth} />
                </HeaderMenu>
              </>
            ) : (
              <UserMenu auth={auth} />
            )}
          </header>
          <main className="app-main">
            <Outlet />
          </main>
          <NavigationFocus />
        </div>
      </TimeZoneProvider>
    </ConvexProvider>
  );
  if (!authUi || !publicConfig.clerkPublishableKey) return app;
  return <authUi.Provider publishableKey={publicConfig.clerkPublishableKey}>{app}</authUi.Provider>;
}
