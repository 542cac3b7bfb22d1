import type { ConvexQueryClient } from "@convex-dev/react-query";
import type { QueryClient } from "@tanstack/react-query";
import {
  createRootRouteWithContext,
  HeadContent,
  Link,
  Outlet,
  ScriptOnce,
  Scripts,
} from "@tanstack/react-router";
import { type ReactNode, useEffect } from "react";
import type { PublicConfig } from "../../app.config";
import { publicConfigScript } from "../lib/public-config";
import appCss from "../styles/app.css?url";

export interface RouterContext {
  queryClient: QueryClient;
  convexQueryClient: ConvexQueryClient;
  publicConfig: PublicConfig;
}

export const Route = createRootRouteWithContext<RouterContext>()({
  head: () => ({
    meta: [
      { charSet: "utf-8" },
      { name: "viewport", content: "width=device-width, initial-scale=1" },
      { title: "Clientele" },
      { name: "description", content: "Your customers, one hover away." },
    ],
    links: [
      { rel: "stylesheet", href: appCss },
      { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
    ],
  }),
  shellComponent: RootDocument,
  component: RootLayout,
});

function RootDocument({ children }: { children: ReactNode }) {
  const { publicConfig } = Route.useRouteContext();
  return (
    <html lang="en">
      <head>
        <ScriptOnce>{publicConfigScript(publicConfig)}</ScriptOnce>
        <HeadContent />
      </head>
      <body>
        {children}
        <Scripts />
      </body>
    </html>
  );
}

function RootLayout() {
  useEffect(() => {
    // Lets tests and tools wait for hydration instead of guessing with timeouts.
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <div className="app">
      <header className="app-header">
        <Link to="/" className="brand">
          Clientele
        </Link>
      </header>
      <main className="app-main">
        <Outlet />
      </main>
    </div>
  );
}
