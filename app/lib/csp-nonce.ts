import { createIsomorphicFn, getGlobalStartContext } from "@tanstack/react-start";

/**
 * This request's Content-Security-Policy nonce, which app/server.ts makes per request and passes
 * in the request context. The router stamps it on every script and style it renders (and on a
 * `csp-nonce` meta tag the browser's router reads back). Undefined in the browser.
 */
export const requestNonce = createIsomorphicFn()
  .server((): string | undefined => {
    let context: unknown;
    try {
      context = getGlobalStartContext();
    } catch {
      return undefined; // outside a request: nothing is rendered for a browser
    }
    const nonce = typeof context === "object" && context !== null && "nonce" in context ? context.nonce : undefined;
    return typeof nonce === "string" ? nonce : undefined;
  })
  .client((): string | undefined => undefined);
