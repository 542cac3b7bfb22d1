/**
 * HTTP actions: a request to the deployment's site URL runs the handler `convex/http.ts`'s router
 * names for its path and method, as an action (runtime's `runHttpAction`), and gets the
 * `Response` that handler returns, streamed as it is produced. As self-hosted Convex does, the
 * cloud URL serves them too under `/http/` (convex-backend crates/local_backend/src/router.rs,
 * proxy.rs). No headers are added: CORS is the handler's to answer (Convex's CORS layer covers
 * its API, not these routes). Behaviour and wording are Convex's: crates/local_backend/src/
 * http_actions.rs (the request a handler sees), crates/application/src/
 * application_function_runner/http_routing.rs (no router: 404), crates/isolate/src/environment/
 * action/mod.rs (no route: 404; response size) and crates/application/src/redaction.rs (a failed
 * handler's 500 body).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TokenVerifier } from "../../runtime/auth";
import { FunctionError, type Caller, type HttpRequestWire, type HttpResponsePart, type Runtime } from "../../runtime/runtime";
import { authenticate, HttpError, readBody } from "../../protocol/http";
import type { ByteBudget } from "../../protocol/limits";
import type { AdminAuthenticator } from "../../protocol/sync";

const MIB = 1024 * 1024;
/** The most an HTTP action's request or response body may hold (convex-backend crates/udf/src/http_action.rs). */
export const HTTP_ACTION_BODY_LIMIT = 20 * MIB;

/** The methods Convex routes to HTTP actions; HEAD runs the GET route, its body dropped. */
const ROUTED_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
/** Requests whose body Convex does not pass to the handler. */
const BODYLESS_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const TEXT = { "Content-Type": "text/plain; charset=utf-8" };
const NOT_ENABLED = "This Convex deployment does not have HTTP actions enabled.";
/** What axum answers when a body goes past the limit Convex sets on these routes (DefaultBodyLimit). */
const BODY_TOO_LARGE = "Failed to buffer the body: length limit exceeded";

/** The failed handler's response body, as Convex writes it for a deployment that shows its errors. */
function failureBody(error: unknown): Record<string, unknown> {
  if (error instanceof FunctionError && error.jsError) {
    const { requestId, message, frames } = error.jsError;
    return {
      code: `[Request ID: ${requestId}] Server Error: ${message}`,
      trace: `${message}\n${frames}`,
      ...(error.errorData !== undefined ? { data: error.errorData } : {}),
    };
  }
  return { code: `Server Error: ${error instanceof Error ? error.message : String(error)}` };
}

/**
 * The URL the handler's `Request` has: the scheme a proxy in front says it received
 * (`X-Forwarded-Proto`, then `Forwarded`), else http; the `Host` header; the request target.
 * Parsed as a URL, so dot segments are resolved (`/a/../b` is `/b`) and encoded characters stay
 * encoded (`%2F` is not a slash), as Convex's URL parser does.
 */
function requestUrl(req: IncomingMessage, target: string): URL | null {
  const forwarded = /(?:^|;)\s*proto\s*=\s*"?([a-z]+)"?/i.exec(String(req.headers.forwarded ?? "").split(",")[0] ?? "")?.[1];
  const proto = String(req.headers["x-forwarded-proto"] ?? forwarded ?? "http");
  // Only an origin-form target (the path and query) names a route; an absolute URL would name another host.
  if (!target.startsWith("/") || req.headers.host === undefined) return null;
  try {
    return new URL(`${proto}://${req.headers.host}${target}`);
  } catch {
    return null;
  }
}

/** `rawHeaders` as name/value pairs, repeated headers kept apart. */
function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

export class HttpActions {
  constructor(
    private readonly runtime: Runtime,
    private readonly verifier: () => TokenVerifier,
    private readonly admin: AdminAuthenticator,
    /** Request bytes held at once, shared with the API and sync endpoints. */
    private readonly budget: ByteBudget,
    private readonly log: (message: string) => void,
  ) {}

  /** Serves one request; `target` is its path and query as routed (the site URL's, or what follows `/http` on the cloud URL). */
  async handle(req: IncomingMessage, res: ServerResponse, target = req.url ?? "/"): Promise<void> {
    const method = req.method ?? "GET";
    if (!ROUTED_METHODS.includes(method)) {
      res.writeHead(405, { Allow: ROUTED_METHODS.join(",") }).end();
      return;
    }
    const url = requestUrl(req, target);
    if (!url) {
      res.writeHead(400, TEXT).end("Invalid URL");
      return;
    }
    if (!this.runtime.servesHttpActions) {
      res.writeHead(404, TEXT).end(NOT_ENABLED);
      return;
    }
    const lease = this.budget.lease();
    try {
      let body: ArrayBuffer | null = null;
      if (!BODYLESS_METHODS.has(method)) {
        const bytes = await readBody(req, lease, this.budget, HTTP_ACTION_BODY_LIMIT, () => ({
          code: "",
          message: BODY_TOO_LARGE,
        }));
        // Its own buffer, handed to the function's worker (a pooled Buffer's must not be).
        body = new Uint8Array(bytes).buffer;
      }
      const request: HttpRequestWire = { url: url.href, method, headers: headerPairs(req.rawHeaders), body };
      await this.run(request, await this.caller(req), `${method} ${url.pathname}`, res);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      if (error.closeConnection) res.setHeader("Connection", "close");
      if (error.status === 413) res.writeHead(413, TEXT).end(error.message);
      else
        res
          .writeHead(error.status, { "Content-Type": "application/json" })
          .end(JSON.stringify({ code: error.code, message: error.message }));
    } finally {
      lease.end();
    }
  }

  /**
   * Who calls: as Convex does for HTTP actions, credentials that name no one do not refuse the
   * request (the header may be the app's own); the handler's `ctx.auth.getUserIdentity()` fails
   * with the reason instead.
   */
  private async caller(req: IncomingMessage): Promise<Caller & { identityError?: string }> {
    try {
      return await authenticate(req.headers.authorization, this.verifier(), this.admin);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return { identity: null, allowInternal: false, identityError: error.message };
    }
  }

  /** Runs the handler and writes its response as it comes; a failure before its head is Convex's 500. */
  private async run(request: HttpRequestWire, caller: Caller & { identityError?: string }, label: string, res: ServerResponse) {
    let state: "waiting" | "streaming" | "failed" = "waiting";
    let sent = 0;
    const respond = (part: HttpResponsePart) => {
      if (state === "failed" || res.destroyed || res.writableEnded) return;
      if (part.kind === "head") {
        try {
          res.writeHead(part.status, part.headers.flat());
          state = "streaming";
        } catch (error) {
          // A status or header Node refuses: the handler's response cannot be sent.
          state = "failed";
          res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify(failureBody(error)));
        }
        return;
      }
      if (state !== "streaming") return;
      if (sent + part.bytes.length > HTTP_ACTION_BODY_LIMIT) {
        // As in Convex: the rest of the body is dropped and the failure logged.
        if (sent <= HTTP_ACTION_BODY_LIMIT)
          this.log(`[${label}] HttpResponseTooLarge: HTTP actions support responses up to ${HTTP_ACTION_BODY_LIMIT / MIB} MiB`);
        sent = HTTP_ACTION_BODY_LIMIT + 1;
        return;
      }
      sent += part.bytes.length;
      res.write(part.bytes);
    };
    const { identityError, ...who } = caller;
    // As in Convex, the request's signal aborts when its client goes away before the response ends.
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort();
    };
    if (res.closed) onClose();
    else res.once("close", onClose);
    try {
      await this.runtime.runHttpAction(request, who, { identityError, label, respond, signal: gone.signal });
    } catch (error) {
      if (state === "waiting" && !res.headersSent) {
        state = "failed";
        res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify(failureBody(error)));
        return;
      }
      // The response had begun: Convex logs the failure and ends what was sent.
      this.log(`[${label}] ${error instanceof FunctionError && error.jsError ? error.jsError.message : String(error)}`);
    }
    if (!res.writableEnded) res.end();
  }
}
