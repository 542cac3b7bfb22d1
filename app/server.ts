/**
 * The server entry: Start's handler, with the security headers of every response around it
 * (app/lib/security-headers.server.ts) and a CSP nonce per request, passed to the router in the
 * request context (app/lib/csp-nonce.ts).
 *
 * Pages render to a string, not a stream: every loader awaits its Convex data before the render,
 * so nothing suspends during SSR and a stream would send the same bytes at the same moment, after
 * paying web streams' cost per chunk (~15% of a render's CPU, docs/decisions/007). A component that
 * suspends on the server would render its fallback here: give its data to a loader instead.
 */
import { createServerEntry, createStartHandler, defaultRenderHandler } from "@tanstack/react-start/server";
import { getConfig } from "../app.config";
import { withSecurityHeaders } from "./lib/security-headers.server";

const startHandler = createStartHandler(defaultRenderHandler);

export default createServerEntry({
  fetch: (request) =>
    withSecurityHeaders(request, getConfig(), (nonce) => Promise.resolve(startHandler(request, { context: { nonce } }))),
});
