/**
 * Convex's HTTP API: `/api/query`, `/api/mutation`, `/api/action`, `/api/function`,
 * `/api/query_ts` and `/api/query_at_ts`, with `convex_encoded_json` bodies. A function error
 * is status 560 with `errorMessage` (and `errorData` for a ConvexError); a bad request is a 4xx
 * with a JSON `{ code, message }` body.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JSONValue } from "convex/values";
import { AuthenticationError, type TokenVerifier } from "../runtime/auth";
import { MAX_REQUEST_BYTES, OVER_BUDGET_CODE, overBudgetMessage, tooLargeMessage, type ByteBudget, type Lease } from "./limits";
import { ComponentFunctionPath } from "../runtime/modules";
import { FunctionError, type Caller, type Runtime } from "../runtime/runtime";
import type { AdminAuthenticator } from "./sync";

const STATUS_UDF_FAILED = 560;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Close the connection after answering: the rest of the body will not be read. */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}

/**
 * A client that sent a body too large is usually still sending it when the 413 is ready. Closing
 * then makes its next write fail (EPIPE, "fetch failed") before it reads the answer, so the rest
 * is read and dropped, holding no memory, as long as it stays within these bounds; past them the
 * connection is closed.
 */
const DISCARD_LIMIT_BYTES = 4 * MAX_REQUEST_BYTES;
const DISCARD_LIMIT_MS = 10_000;

/** Reads and drops the rest of a refused body; false (the caller closes) if it is past the bound. */
function discardRest(req: IncomingMessage, declared: number | null, alreadyRead: number): boolean {
  if (declared !== null && declared > DISCARD_LIMIT_BYTES) return false;
  let discarded = alreadyRead;
  const stop = () => req.socket.destroy();
  const timer = setTimeout(stop, DISCARD_LIMIT_MS);
  timer.unref();
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) stop();
  });
  req.once("close", () => clearTimeout(timer));
  req.resume();
  return true;
}

/**
 * Reads a request body within a size limit (by default the API's) and the in-flight budget. A
 * body whose declared length does not fit is refused before any of it is read; one without a
 * declared length, as soon as what arrived stops fitting.
 */
export function readBody(
  req: IncomingMessage,
  lease: Lease,
  budget: ByteBudget,
  limit = MAX_REQUEST_BYTES,
  refuseTooLarge = (bytes: number | null) => ({ code: "RequestTooLarge", message: tooLargeMessage(bytes) }),
): Promise<Buffer> {
  const header = req.headers["content-length"];
  const declared = header === undefined ? null : Number(header);
  const tooLarge = (bytes: number | null, read: number) => {
    const { code, message } = refuseTooLarge(bytes);
    return new HttpError(413, code, message, !discardRest(req, declared, read));
  };
  const overBudget = () => new HttpError(429, OVER_BUDGET_CODE, overBudgetMessage(budget));
  if (declared !== null && declared > limit) return Promise.reject(tooLarge(declared, 0));
  if (declared !== null && !lease.resize(declared)) return Promise.reject(overBudget());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      const refusal = size > limit ? tooLarge(null, size) : size > (declared ?? 0) && !lease.resize(size) ? overBudget() : null;
      if (refusal) {
        req.off("data", onData);
        // A body within the size limit is read to its end and dropped, so the client gets the
        // 429 rather than a broken pipe (a too large one is dropped within bounds: discardRest).
        if (refusal.status === 429) req.resume();
        reject(refusal);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

/**
 * What `/api/function` runs: `path` in the app, or in the component `componentPath` names, which
 * only an admin may (Convex requires the admin key for it: crates/local_backend/src/args_structs.rs).
 * The other endpoints take no component path: a client reaches only the app's functions.
 */
function functionTarget(body: Record<string, unknown>, caller: Caller): unknown {
  const componentPath = body.componentPath;
  if (componentPath === undefined || componentPath === null || componentPath === "") return body.path;
  if (typeof componentPath !== "string") throw new HttpError(400, "BadJsonBody", "`componentPath` must be a string");
  if (!caller.allowInternal) {
    throw new HttpError(
      403,
      "BadDeployKey",
      "The provided deploy key was invalid for this deployment. Double check that the environment this key was generated for matches the desired deployment.",
    );
  }
  return new ComponentFunctionPath(componentPath, body.path as string);
}

/**
 * Who an `Authorization` header names: a user's token (`Bearer`), the admin key (`Convex`,
 * optionally acting as a user), or nobody without the header. A header that names no one is
 * refused with Convex's status and code.
 */
export async function authenticate(
  header: string | undefined,
  verifier: TokenVerifier,
  admin: AdminAuthenticator,
): Promise<Caller> {
  if (!header) return { identity: null, allowInternal: false };
  if (/^bearer /i.test(header)) {
    try {
      return { identity: await verifier.verify(header.slice(7).trim()), allowInternal: false };
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw new HttpError(401, "Unauthenticated", "Could not verify token");
      throw new HttpError(error.code === "AuthProviderDiscoveryFailed" ? 400 : 401, error.code, error.message);
    }
  }
  if (header.startsWith("Convex ")) {
    const value = header.slice(7).trim();
    const colon = value.indexOf(":", value.indexOf("|") + 1);
    const key = colon >= 0 ? value.slice(0, colon) : value;
    let impersonating: unknown;
    if (colon >= 0) {
      try {
        impersonating = JSON.parse(Buffer.from(value.slice(colon + 1), "base64").toString("utf8"));
      } catch {
        throw new HttpError(400, "BadAdminKey", "The identity after the admin key is not base64-encoded JSON");
      }
    }
    let caller: Caller | null;
    try {
      caller = admin(key, impersonating);
    } catch (error) {
      if (error instanceof AuthenticationError) throw new HttpError(400, "BadAdminKey", error.message);
      throw error;
    }
    if (!caller) throw new HttpError(401, "BadAdminKey", "The provided admin key was invalid for this instance");
    return caller;
  }
  throw new HttpError(401, "InvalidAuthHeader", "Header must begin with `bearer `");
}

export class HttpApi {
  constructor(
    private readonly runtime: Runtime,
    private readonly verifier: () => TokenVerifier,
    private readonly admin: AdminAuthenticator,
    private readonly version: string,
    /** Request bytes held at once, shared with the sync endpoint. */
    private readonly budget: ByteBudget,
  ) {}

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return;
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private caller(req: IncomingMessage): Promise<Caller> {
    return authenticate(req.headers.authorization, this.verifier(), this.admin);
  }

  /** Handles a request if it is part of the API; returns false to let another handler try. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://localhost");
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Authorization, Convex-Client",
        "Access-Control-Max-Age": "86400",
      });
      res.end();
      return true;
    }
    if (url.pathname === "/version" && req.method === "GET") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end(this.version);
      return true;
    }
    const endpoint = /^\/api\/(query|mutation|action|function|query_ts|query_at_ts)$/.exec(url.pathname)?.[1];
    if (!endpoint) return false;
    const lease = this.budget.lease();
    try {
      if (req.method !== "POST") throw new HttpError(405, "MethodNotAllowed", `Use POST for ${url.pathname}`);
      // Who is asking is known before the body is read: a bad token costs no body.
      const caller = await this.caller(req);
      const text = (await readBody(req, lease, this.budget)).toString("utf8");
      if (endpoint === "query_ts") {
        this.send(res, 200, { ts: this.runtime.db.latestTs.toString() });
        return true;
      }
      let body: Record<string, unknown>;
      try {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        body = parsed as Record<string, unknown>;
      } catch (error) {
        throw new HttpError(
          400,
          "BadJsonBody",
          `Failed to parse the request body as JSON: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (typeof body.path !== "string")
        throw new HttpError(400, "BadJsonBody", 'Missing `path`: the function to run, e.g. "messages:list"');
      if (body.format !== undefined && body.format !== "convex_encoded_json" && body.format !== "json") {
        throw new HttpError(400, "BadFormat", `Unsupported format ${JSON.stringify(body.format)}; use "convex_encoded_json"`);
      }
      const args = (Array.isArray(body.args) ? body.args[0] : (body.args ?? {})) as JSONValue;
      let outcome: { value: JSONValue; logLines: string[] };
      try {
        outcome = await this.run(endpoint, body, args, caller);
      } catch (error) {
        if (error instanceof HttpError) throw error;
        const fe =
          error instanceof FunctionError ? error : new FunctionError(error instanceof Error ? error.message : String(error));
        this.send(res, STATUS_UDF_FAILED, {
          status: "error",
          errorMessage: fe.message,
          ...(fe.errorData !== undefined ? { errorData: fe.errorData } : {}),
          logLines: fe.logLines,
        });
        return true;
      }
      this.send(res, 200, { status: "success", value: outcome.value, logLines: outcome.logLines });
    } catch (error) {
      if (error instanceof HttpError && error.closeConnection) res.setHeader("Connection", "close");
      if (error instanceof HttpError) this.send(res, error.status, { code: error.code, message: error.message });
      else this.send(res, 500, { code: "InternalServerError", message: error instanceof Error ? error.message : String(error) });
    } finally {
      lease.end();
    }
    return true;
  }

  private async run(
    endpoint: string,
    body: Record<string, unknown>,
    args: JSONValue,
    caller: Caller,
  ): Promise<{ value: JSONValue; logLines: string[] }> {
    switch (endpoint) {
      case "query":
        return await this.runtime.runQuery(body.path, args, caller);
      case "query_at_ts": {
        let ts: bigint;
        try {
          ts = BigInt(String(body.ts));
        } catch {
          throw new HttpError(400, "BadTimestamp", "`ts` must be a timestamp from /api/query_ts");
        }
        return await this.runtime.queryAt(body.path, args, caller, ts);
      }
      case "mutation":
        return await this.runtime.runMutation(body.path, args, caller);
      case "action":
        return this.runtime.runAction(body.path, args, caller);
      default: {
        const fn = this.runtime.resolve(functionTarget(body, caller), "any", caller);
        const target = ComponentFunctionPath.of(fn);
        if (fn.kind === "query") return await this.runtime.runQuery(target, args, caller);
        if (fn.kind === "mutation") return await this.runtime.runMutation(target, args, caller);
        return this.runtime.runAction(target, args, caller);
      }
    }
  }
}
