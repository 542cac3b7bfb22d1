/**
 * Convex's WebSocket sync protocol (`/api/<version>/sync`), server side. Per connection it
 * keeps the client's query set and its version `{querySet, ts, identity}`, and sends each
 * Transition starting exactly at the version the client holds. After a commit, only the
 * queries whose recorded reads the commit touched are re-run. A mutation's response is sent
 * from inside the executor task that committed it, so it always precedes the Transition that
 * contains its writes. Mutations are deduplicated by (caller, sessionId, requestId).
 */
import { decodeJwt } from "jose";
import type { JSONValue } from "convex/values";
import type { WebSocket } from "ws";
import { AuthenticationError, type TokenVerifier, type UserIdentity } from "../runtime/auth";
import type { Database, DocumentWrite } from "../database/database";
import type { ByteBudget } from "./limits";
import { ComponentFunctionPath } from "../runtime/modules";
import { COMPONENT_PATH_ADMIN_ONLY, FunctionError, type Caller, type Runtime } from "../runtime/runtime";
import { writeAffects, type ReadEntry } from "../database/transaction";
import type { Doc, FieldValue } from "../database/values";

type Modification =
  | { type: "QueryUpdated"; queryId: number; value: JSONValue; logLines: string[]; journal: string | null }
  | {
      type: "QueryFailed";
      queryId: number;
      errorMessage: string;
      logLines: string[];
      errorData?: JSONValue;
      journal: string | null;
    }
  | { type: "QueryRemoved"; queryId: number };

interface Subscription {
  udfPath: string;
  /** The component it runs in: "" (the app) unless an admin named another. */
  componentPath: string;
  args: JSONValue;
  journal: string | null;
  reads: ReadEntry[];
  lastSent: string | null;
}

/** Convex encodes u64 timestamps as base64 of their little-endian bytes. */
export function encodeTs(ts: bigint): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(ts);
  return bytes.toString("base64");
}

export function decodeTs(encoded: string): bigint | null {
  const bytes = Buffer.from(encoded, "base64");
  return bytes.length === 8 ? bytes.readBigUInt64LE() : null;
}

/** null for a wrong key; throws AuthenticationError for an identity to act as that is malformed. */
export type AdminAuthenticator = (key: string, impersonating: unknown) => Caller | null;

/**
 * Whom a mutation runs as, for de-duplication: the client picks its session id, so another
 * caller reusing it must neither get this caller's stored outcome nor have its mutation skipped.
 */
export function callerKey(caller: Caller): string {
  return JSON.stringify([caller.allowInternal ? "admin" : "user", caller.identity?.tokenIdentifier ?? "none"]);
}

/** Recent mutation outcomes per caller and session, so a retried mutation is answered, not re-run. */
class MutationLedger {
  private readonly sessions = new Map<string, Map<number, Promise<object>>>();
  private static readonly PER_SESSION = 1000;
  private static readonly SESSIONS = 10_000;

  get(caller: string, sessionId: string, requestId: number): Promise<object> | undefined {
    return this.sessions.get(JSON.stringify([caller, sessionId]))?.get(requestId);
  }

  set(caller: string, sessionId: string, requestId: number, outcome: Promise<object>): void {
    const key = JSON.stringify([caller, sessionId]);
    let session = this.sessions.get(key);
    if (!session) {
      if (this.sessions.size >= MutationLedger.SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
      session = new Map();
      this.sessions.set(key, session);
    }
    session.set(requestId, outcome);
    if (session.size > MutationLedger.PER_SESSION) session.delete(session.keys().next().value!);
  }
}

class ProtocolError extends Error {}

/**
 * A message's `componentPath` (admin tools call a component's functions with it): "" for the
 * app; another component only for an admin, or Convex ends the session (crates/sync/src/worker.rs).
 */
function componentPathOf(message: Record<string, unknown>, caller: Caller): string {
  const componentPath = message.componentPath;
  if (componentPath === undefined || componentPath === null || componentPath === "") return "";
  if (typeof componentPath !== "string") throw new ProtocolError("componentPath must be a string");
  if (!caller.allowInternal) throw new ProtocolError(COMPONENT_PATH_ADMIN_ONLY);
  return componentPath;
}

/** What the Runtime runs for a path in a component ("" for the app: the path as the client sent it). */
function functionTarget(componentPath: string, udfPath: unknown): unknown {
  return componentPath === "" ? udfPath : new ComponentFunctionPath(componentPath, typeof udfPath === "string" ? udfPath : "");
}

export class SyncConnection {
  private sessionId = "";
  private querySet = 0;
  private identityVersion = 0;
  private ts = 0n;
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly dirty = new Set<number>();
  private caller: Caller = { identity: null, allowInternal: false };
  /** Fires when the user token this connection runs as expires. */
  private tokenExpiry: ReturnType<typeof setTimeout> | undefined;
  /** Largest commit ts acknowledged to the client that no Transition has reached yet. */
  private awaitingTs = 0n;
  private inbox: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly server: SyncServer,
  ) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) return this.fail("Binary frames are not part of the sync protocol");
      const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString(
        "utf8",
      );
      let message: Record<string, unknown>;
      try {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        message = parsed as Record<string, unknown>;
      } catch {
        return this.fail(`Malformed message: ${text.slice(0, 100)}`);
      }
      // The parsed message counts against the request budget until it has been handled.
      const held = server.budget.lease();
      held.resize((data as Buffer).length, true);
      // Actions run concurrently; everything else is handled in arrival order.
      if (message.type === "Action") {
        void this.handleAction(message).finally(() => held.end());
        return;
      }
      this.inbox = this.inbox
        .then(() => (this.closed ? undefined : this.handle(message)))
        .catch((error: unknown) => {
          this.fail(error instanceof Error ? error.message : String(error));
        })
        .finally(() => held.end());
    });
    ws.on("close", () => {
      this.closed = true;
      clearTimeout(this.tokenExpiry);
      server.remove(this);
    });
    ws.on("error", () => undefined);
  }

  private send(message: object): void {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private fail(error: string): void {
    this.send({ type: "FatalError", error });
    this.ws.close(1011, error.slice(0, 100));
  }

  /** Ends the session: drops its identity, handles no further message, closes the socket. */
  private end(code: number, reason: string): void {
    this.caller = { identity: null, allowInternal: false };
    this.closed = true;
    clearTimeout(this.tokenExpiry);
    this.ws.close(code, reason);
  }

  ping(): void {
    this.send({ type: "Ping" });
  }

  private async handle(message: Record<string, unknown>): Promise<void> {
    switch (message.type) {
      case "Connect":
        if (typeof message.sessionId !== "string") throw new ProtocolError("Connect without a sessionId");
        this.sessionId = message.sessionId;
        return;
      case "ModifyQuerySet":
        return this.modifyQuerySet(message);
      case "Mutation":
        return this.mutation(message);
      case "Authenticate":
        return this.authenticate(message);
      case "Event":
        return;
      default:
        throw new ProtocolError(`Unknown message type: ${String(message.type)}`);
    }
  }

  private async runSubscription(queryId: number, sub: Subscription): Promise<Modification | null> {
    try {
      const outcome = await this.server.runtime.queryInTask(
        functionTarget(sub.componentPath, sub.udfPath),
        sub.args,
        this.caller,
        sub.journal,
      );
      sub.reads = outcome.reads;
      sub.journal = outcome.journal ?? sub.journal;
      const serialized = JSON.stringify([outcome.value, sub.journal]);
      if (serialized === sub.lastSent) return null;
      sub.lastSent = serialized;
      return { type: "QueryUpdated", queryId, value: outcome.value, logLines: outcome.logLines, journal: sub.journal };
    } catch (error) {
      const fe =
        error instanceof FunctionError ? error : new FunctionError(error instanceof Error ? error.message : String(error));
      // A failed query still depends on what it read: a write there may make it succeed.
      sub.reads = fe.reads ?? [];
      const serialized = JSON.stringify(["error", fe.message, fe.errorData ?? null]);
      if (serialized === sub.lastSent) return null;
      sub.lastSent = serialized;
      return {
        type: "QueryFailed",
        queryId,
        errorMessage: fe.message,
        logLines: fe.logLines,
        // Only a ConvexError carries data; the client turns any `errorData` (even null) into a
        // ConvexError (remote_query_set.ts), and Convex omits the field otherwise
        // (convex-backend crates/convex/sync_types/src/types/json.rs, QueryFailed).
        ...(fe.errorData !== undefined ? { errorData: fe.errorData } : {}),
        journal: sub.journal,
      };
    }
  }

  /** Builds and sends a Transition (inside an executor task), re-running dirty queries. */
  private async transition(extra: Modification[], next: { querySet?: number; identity?: number }, force: boolean): Promise<void> {
    const modifications = [...extra];
    for (const queryId of [...this.dirty]) {
      this.dirty.delete(queryId);
      const sub = this.subscriptions.get(queryId);
      if (!sub) continue;
      const mod = await this.runSubscription(queryId, sub);
      if (mod) modifications.push(mod);
    }
    const ts = this.server.db.latestTs;
    const endTs = ts > this.ts ? ts : this.ts;
    if (!force && modifications.length === 0 && this.awaitingTs <= this.ts) return;
    const start = { querySet: this.querySet, identity: this.identityVersion, ts: encodeTs(this.ts) };
    this.querySet = next.querySet ?? this.querySet;
    this.identityVersion = next.identity ?? this.identityVersion;
    this.ts = endTs;
    if (this.awaitingTs <= this.ts) this.awaitingTs = 0n;
    this.send({
      type: "Transition",
      startVersion: start,
      endVersion: { querySet: this.querySet, identity: this.identityVersion, ts: encodeTs(this.ts) },
      modifications,
    });
  }

  private async modifyQuerySet(message: Record<string, unknown>): Promise<void> {
    const { baseVersion, newVersion, modifications } = message;
    if (typeof baseVersion !== "number" || typeof newVersion !== "number" || !Array.isArray(modifications)) {
      throw new ProtocolError("Malformed ModifyQuerySet");
    }
    await this.server.runtime.serial(async () => {
      if (baseVersion !== this.querySet) {
        throw new ProtocolError(`Base version ${baseVersion} passed up doesn't match the current version ${this.querySet}`);
      }
      const out: Modification[] = [];
      for (const raw of modifications as Record<string, unknown>[]) {
        const queryId = raw.queryId;
        if (typeof queryId !== "number") throw new ProtocolError("Query modification without a queryId");
        if (raw.type === "Add") {
          const args = Array.isArray(raw.args) ? (raw.args[0] as JSONValue) : {};
          const sub: Subscription = {
            udfPath: typeof raw.udfPath === "string" ? raw.udfPath : "",
            componentPath: componentPathOf(raw, this.caller),
            args: args ?? {},
            journal: typeof raw.journal === "string" ? raw.journal : null,
            reads: [],
            lastSent: null,
          };
          this.subscriptions.set(queryId, sub);
          this.dirty.delete(queryId);
          const mod = await this.runSubscription(queryId, sub);
          if (mod) out.push(mod);
        } else if (raw.type === "Remove") {
          this.subscriptions.delete(queryId);
          this.dirty.delete(queryId);
          out.push({ type: "QueryRemoved", queryId });
        } else {
          throw new ProtocolError(`Unknown query modification: ${String(raw.type)}`);
        }
      }
      await this.transition(out, { querySet: newVersion }, true);
    });
  }

  private async mutation(message: Record<string, unknown>): Promise<void> {
    const requestId = message.requestId;
    if (typeof requestId !== "number") throw new ProtocolError("Mutation without a requestId");
    // Without a Connect there is no session to deduplicate within.
    const dedupe = this.sessionId !== "";
    const caller = callerKey(this.caller);
    const persisted = dedupe ? this.server.db.mutationResponse(this.sessionId, caller, requestId) : null;
    const previous = !dedupe
      ? undefined
      : (this.server.ledger.get(caller, this.sessionId, requestId) ??
        (persisted !== null ? Promise.resolve(JSON.parse(persisted) as object) : undefined));
    if (previous) {
      // A retry after reconnecting: answer with the original outcome, never run it again.
      const response = await previous;
      this.send(response);
      await this.server.runtime.serial(() => this.transition([], {}, true));
      return;
    }
    const args = Array.isArray(message.args) ? (message.args[0] as JSONValue) : {};
    const target = functionTarget(componentPathOf(message, this.caller), message.udfPath);
    const outcome = this.server.runtime.serial(async () => {
      let response: object;
      try {
        const session = this.sessionId;
        const result = await this.server.runtime.mutationInTask(
          target,
          args ?? {},
          this.caller,
          undefined,
          !dedupe
            ? undefined
            : (value, logLines, ts) => ({
                session,
                caller,
                request: requestId,
                response: JSON.stringify({
                  type: "MutationResponse",
                  requestId,
                  success: true,
                  result: value,
                  ts: encodeTs(ts),
                  logLines,
                }),
              }),
        );
        response = {
          type: "MutationResponse",
          requestId,
          success: true,
          result: result.value,
          ts: encodeTs(result.ts),
          logLines: result.logLines,
        };
        if (result.ts > this.awaitingTs) this.awaitingTs = result.ts;
      } catch (error) {
        const fe =
          error instanceof FunctionError ? error : new FunctionError(error instanceof Error ? error.message : String(error));
        response = {
          type: "MutationResponse",
          requestId,
          success: false,
          result: fe.message,
          logLines: fe.logLines,
          ...(fe.errorData !== undefined ? { errorData: fe.errorData } : {}),
        };
      }
      this.send(response);
      return response;
    });
    if (dedupe) this.server.ledger.set(caller, this.sessionId, requestId, outcome);
    await outcome;
    // As Convex's sync worker does after every mutation response, a Transition follows (empty if
    // nothing changed): the client resolves a mutation only once a Transition reaches its ts, and
    // a mutation that wrote nothing answers with a ts the client may already hold.
    await this.server.runtime.serial(() => this.transition([], {}, true));
  }

  private async handleAction(message: Record<string, unknown>): Promise<void> {
    const requestId = message.requestId;
    if (typeof requestId !== "number") return this.fail("Action without a requestId");
    const args = Array.isArray(message.args) ? (message.args[0] as JSONValue) : {};
    // Wait for messages before it (e.g. Authenticate) so it runs as the right identity.
    await this.inbox;
    if (this.closed) return;
    let target: unknown;
    try {
      target = functionTarget(componentPathOf(message, this.caller), message.udfPath);
    } catch (error) {
      return this.fail(error instanceof Error ? error.message : String(error));
    }
    try {
      const outcome = await this.server.runtime.runAction(target, args ?? {}, this.caller);
      this.send({ type: "ActionResponse", requestId, success: true, result: outcome.value, logLines: outcome.logLines });
    } catch (error) {
      const fe =
        error instanceof FunctionError ? error : new FunctionError(error instanceof Error ? error.message : String(error));
      this.send({
        type: "ActionResponse",
        requestId,
        success: false,
        result: fe.message,
        logLines: fe.logLines,
        ...(fe.errorData !== undefined ? { errorData: fe.errorData } : {}),
      });
    }
  }

  private async authenticate(message: Record<string, unknown>): Promise<void> {
    const baseVersion = message.baseVersion;
    if (typeof baseVersion !== "number") throw new ProtocolError("Authenticate without a baseVersion");
    let caller: Caller;
    try {
      if (message.tokenType === "None") caller = { identity: null, allowInternal: false };
      else if (message.tokenType === "User" && typeof message.value === "string") {
        caller = { identity: await this.server.verifier().verify(message.value), allowInternal: false };
      } else if (message.tokenType === "Admin" && typeof message.value === "string") {
        const admin = this.server.admin(message.value, message.impersonating);
        if (!admin) throw new AuthenticationError("Unauthenticated", "The provided admin key was invalid for this instance");
        caller = admin;
      } else throw new AuthenticationError("InvalidAuthHeader", "Malformed Authenticate message");
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.send({ type: "AuthError", error: text, baseVersion, authUpdateAttempted: true });
      // As on Convex, a failed Authenticate ends the session: nothing after it runs as the
      // previous identity. The client fetches a fresh token and reconnects.
      this.end(1000, "AuthError");
      return;
    }
    await this.server.runtime.serial(async () => {
      if (baseVersion !== this.identityVersion) {
        throw new ProtocolError(
          `Authenticate base version ${baseVersion} doesn't match the current identity version ${this.identityVersion}`,
        );
      }
      this.caller = caller;
      this.expireWithToken(message.tokenType === "User" ? String(message.value) : null);
      for (const [queryId, sub] of this.subscriptions) {
        sub.lastSent = null;
        this.dirty.add(queryId);
      }
      await this.transition([], { identity: baseVersion + 1 }, true);
    });
  }

  /**
   * As Convex does, a session does not outlive its user token: at expiry the client gets an
   * AuthError for the identity it holds (not one it just sent, so `authUpdateAttempted: false`)
   * and the connection ends; the client fetches a fresh token and reconnects with it.
   */
  private expireWithToken(token: string | null): void {
    clearTimeout(this.tokenExpiry);
    const exp = token === null ? undefined : decodeJwt(token).exp;
    if (typeof exp !== "number") return;
    this.tokenExpiry = setTimeout(
      () => {
        this.send({
          type: "AuthError",
          error: "Token expired",
          baseVersion: this.identityVersion - 1,
          authUpdateAttempted: false,
        });
        this.end(1000, "Token expired");
      },
      Math.max(0, exp * 1000 - Date.now()),
    );
    this.tokenExpiry.unref();
  }

  /** Marks subscriptions whose reads a commit touched; returns whether any were. */
  invalidate(writes: DocumentWrite[], keyOf: (table: string, index: string, doc: Doc) => FieldValue[] | null): boolean {
    let any = false;
    for (const [queryId, sub] of this.subscriptions) {
      if (this.dirty.has(queryId)) continue;
      if (sub.reads.some((read) => writes.some((w) => writeAffects(read, w, keyOf)))) {
        this.dirty.add(queryId);
        any = true;
      }
    }
    return any || this.awaitingTs > this.ts;
  }

  /** Marks every subscription for a re-run (the functions themselves changed). */
  markAllDirty(): void {
    for (const queryId of this.subscriptions.keys()) this.dirty.add(queryId);
  }

  /** Re-runs dirty queries; only call inside an executor task. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.transition([], {}, false);
  }

  get identity(): UserIdentity | null {
    return this.caller.identity;
  }
}

export class SyncServer {
  private readonly connections = new Set<SyncConnection>();
  private readonly pending = new Set<SyncConnection>();
  private refreshQueued = false;
  private readonly pinger: NodeJS.Timeout;
  readonly ledger = new MutationLedger();

  constructor(
    readonly runtime: Runtime,
    readonly db: Database,
    readonly verifier: () => TokenVerifier,
    readonly admin: AdminAuthenticator,
    /** Request bytes held at once, shared with the HTTP API: a message holds its share until handled. */
    readonly budget: ByteBudget,
    pingIntervalMs = 15_000,
  ) {
    runtime.onCommit((_ts, writes) => this.onCommit(writes));
    this.pinger = setInterval(() => {
      for (const c of this.connections) c.ping();
    }, pingIntervalMs);
    this.pinger.unref();
  }

  accept(ws: WebSocket): void {
    this.connections.add(new SyncConnection(ws, this));
  }

  remove(connection: SyncConnection): void {
    this.connections.delete(connection);
    this.pending.delete(connection);
  }

  private onCommit(writes: DocumentWrite[]): void {
    for (const c of this.connections) {
      if (c.invalidate(writes, this.db.indexKeyOf)) this.pending.add(c);
    }
    if (this.pending.size === 0 || this.refreshQueued) return;
    this.refreshQueued = true;
    // Runs after the committing task, so mutation responses go out before these Transitions.
    void this.runtime.serial(async () => {
      this.refreshQueued = false;
      const batch = [...this.pending];
      this.pending.clear();
      for (const c of batch) await c.refresh();
    });
  }

  /** After new functions were loaded: re-run every subscription (inside an executor task). */
  async rerunAll(): Promise<void> {
    for (const c of this.connections) {
      c.markAllDirty();
      await c.refresh();
    }
  }

  close(): void {
    clearInterval(this.pinger);
    for (const c of this.connections) c.ping();
  }
}
