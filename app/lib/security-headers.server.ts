/**
 * The headers every response of the app server carries (issue 11.8), applied around Start's
 * handler in app/server.ts: a Content-Security-Policy with a per-request nonce for the inline
 * hydration scripts, anti-framing, no MIME sniffing, a referrer and permissions policy, HSTS in
 * production off loopback, and `Cache-Control: private, no-store` on pages and server functions
 * (signed-in HTML and the auth server function carry a Convex token), `X-Robots-Tag: noindex`
 * on all but the home page.
 */
import { randomBytes } from "node:crypto";
import { type AppConfig, clerkIssuerFromPublishableKey, isLoopbackHost } from "../../app.config";

/** Methods the app answers; TRACE and the like get 405 (they only echo requests back). */
const ALLOWED_METHODS = new Set(["GET", "HEAD", "POST", "OPTIONS"]);

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/** The Convex deployment's origin for fetches, and its WebSocket origin (the sync protocol). */
function convexOrigins(convexUrl: string): string[] {
  const url = new URL(convexUrl);
  const ws = new URL(convexUrl);
  ws.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return [url.origin, ws.origin];
}

/**
 * The policy for a page rendered with `nonce`. Scripts: this site's files and inline scripts
 * carrying the nonce (Start's hydration data, the public configuration); no eval. Styles allow
 * inline because Clerk's components inject theirs at runtime and React renders style attributes;
 * an injected style cannot run code. In development, Vite's own inline preamble has no nonce.
 */
export function contentSecurityPolicy(config: AppConfig, nonce: string): string {
  const clerk =
    config.auth.mode === "clerk"
      ? {
          frontendApi: clerkIssuerFromPublishableKey(config.auth.publishableKey),
          challenges: "https://challenges.cloudflare.com",
        }
      : null;
  const scripts = config.env === "development" ? ["'self'", "'unsafe-inline'", "'unsafe-eval'"] : ["'self'", `'nonce-${nonce}'`];
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    ["script-src", ...scripts, ...(clerk ? [clerk.frontendApi, clerk.challenges] : [])],
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", ...(clerk ? ["https://img.clerk.com"] : [])],
    ["font-src", "'self'"],
    ["connect-src", "'self'", ...convexOrigins(config.convex.url), ...(clerk ? [clerk.frontendApi] : [])],
    ["frame-src", ...(clerk ? [clerk.challenges] : ["'none'"])],
    ["worker-src", "'self'", ...(clerk ? ["blob:"] : [])],
    ["object-src", "'none'"],
    ["base-uri", "'none'"],
    ["form-action", "'self'"],
    ["frame-ancestors", "'none'"],
  ];
  return directives.map((directive) => directive.join(" ")).join("; ");
}

/** The headers for a response to `url`, rendered with `nonce`. */
export function securityHeaders(config: AppConfig, url: URL, nonce: string): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(config, nonce),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
    // Browsers ignore HSTS over plain HTTP; on loopback it would pin localhost for every other app.
    ...(config.isProduction && !isLoopbackHost(url.hostname)
      ? { "strict-transport-security": "max-age=31536000; includeSubDomains" }
      : {}),
  };
}

/**
 * A `Location` as this server sends it: a same-origin URL becomes its path, so a redirect never
 * repeats the request's `Host` header (which the client chose) back to it. A relative reference
 * that a browser resolves to another site (`//evil.example`, `/\\evil.example`, `/\t/evil.example`)
 * is never one of ours (Clerk's handshake sends absolute URLs): it becomes `/`, so no route can
 * be made into an open redirect.
 */
export function safeLocation(location: string, requestUrl: URL): string {
  let target: URL;
  try {
    target = new URL(location, requestUrl);
  } catch {
    return "/";
  }
  // Written as a path, `http://host//evil.example` would be `//evil.example`: one leading slash.
  if (target.origin === requestUrl.origin) return `${target.pathname.replace(/^\/+/, "/")}${target.search}${target.hash}`;
  return /^[a-z][a-z\d+.-]*:/i.test(location) ? location : "/";
}

/**
 * Runs Start's handler with a fresh nonce and returns its response with the security headers,
 * and its `Location` made safe (`safeLocation`).
 */
export async function withSecurityHeaders(
  request: Request,
  config: AppConfig,
  handle: (nonce: string) => Promise<Response>,
): Promise<Response> {
  const url = new URL(request.url);
  const nonce = newNonce();
  let response: Response;
  if (!ALLOWED_METHODS.has(request.method.toUpperCase())) {
    response = new Response("Method Not Allowed", {
      status: 405,
      headers: { allow: [...ALLOWED_METHODS].join(", "), "content-type": "text/plain; charset=utf-8" },
    });
  } else {
    const handled = await handle(nonce);
    // Start's redirects (Response.redirect) have immutable headers: copy before changing them.
    response = new Response(handled.body, handled);
  }
  const headers = response.headers;
  for (const [name, value] of Object.entries(securityHeaders(config, url, nonce))) headers.set(name, value);
  headers.set("cache-control", "private, no-store");
  // Only the home page is for search engines; signed-in pages are also disallowed in robots.txt.
  if (url.pathname !== "/") headers.set("x-robots-tag", "noindex");
  const location = headers.get("location");
  if (location) headers.set("location", safeLocation(location, url));
  return response;
}
