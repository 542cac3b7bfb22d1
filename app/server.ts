/**
 * The server entry: Start's handler, with the security headers of every response around it
 * (app/lib/security-headers.server.ts) and a CSP nonce per request, passed to the router in the
 * request context (app/lib/csp-nonce.ts).
 */
import { createServerEntry, createStartHandler, defaultStreamHandler } from "@tanstack/react-start/server";
import { getConfig } from "../app.config";
import { withSecurityHeaders } from "./lib/security-headers.server";

const startHandler = createStartHandler(defaultStreamHandler);

export default createServerEntry({
  fetch: (request) =>
    withSecurityHeaders(request, getConfig(), (nonce) => Promise.resolve(startHandler(request, { context: { nonce } }))),
});
