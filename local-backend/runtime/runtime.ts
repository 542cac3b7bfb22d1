/**
 * Runs Convex functions: has their code run in worker threads (`executor.ts`) and answers their
 * syscalls, validates arguments and return values,
 * executes queries and mutations one at a time (which makes mutations serializable and gives
 * every query a consistent snapshot), commits mutations durably, and runs scheduled functions.
 */
import { randomBytes } from "node:crypto";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { Caller } from "./auth";
import type { Database, DocumentWrite, MutationRecord, SchemaJson } from "../database/database";
import { Executor, type ExecutionHost, type Invocation } from "./executor";
import {
  canonicalPath,
  ComponentFunctionPath,
  type FunctionKind,
  type LoadedComponent,
  type LoadedFunction,
  type LoadedModules,
} from "./modules";
import {
  describeThrown,
  FUNCTION_FRAMES,
  IMMEDIATE_ASYNC_SYSCALLS,
  JsonText,
  type SyscallResult,
  withoutRequestLine,
  type HttpRequestWire,
  type HttpResponsePart,
} from "./worker-protocol";
import { DocumentJsonCache } from "./document-json";
import { QueryCache } from "./query-cache";
import { isJobTable, Scheduler } from "./scheduler";
import { Transaction, UserError, type PageRequest, type ReadEntry, type SerializedQuery } from "../database/transaction";
import { qualifiedTableName } from "../database/namespaces";
import { isPlainObject, validateValue, type Doc } from "../database/values";

/** A function failed: Convex's `errorMessage` and, for a ConvexError, its `errorData`. */
export class FunctionError extends Error {
  override name = "FunctionError";
  /** For a failed query: what it read before failing (a subscription still depends on it). */
  reads?: ReadEntry[];
  /** What the function logged before failing. */
  logLines: string[] = [];
  /** Convex's parts of the message (an HTTP action's error body shows them apart); unset for the backend's own checks. */
  jsError?: { requestId: string; message: string; frames: string };
  constructor(
    message: string,
    readonly errorData?: JSONValue,
  ) {
    super(message);
  }
}

export const MAX_ARGS_BYTES = 16 * 1024 * 1024;
/** How deep queries and mutations may call each other (Convex's MAX_REACTOR_CALL_DEPTH). */
export const MAX_CALL_DEPTH = 8;
/** Queries and mutations hold the one executor, so one that never finishes must not hang it. */
export const MAX_TRANSACTION_MS = 10_000;
/**
 * How long Convex lets an action run: 30 minutes in its own runtime, 10 in its Node runtime
 * ("use node"), as its limits page and knobs say (V8_ACTION_USER_TIMEOUT, NODE_ACTION_USER_TIMEOUT).
 */
export const MAX_ACTION_MS = 1_800_000;
export const MAX_NODE_ACTION_MS = 600_000;

/** A duration as Rust's `Duration` Debug prints it, which Convex's timeout error uses: "600s", "1.5s", "500ms". */
export function rustDuration(ms: number): string {
  if (ms >= 1000) return `${ms / 1000}s`;
  if (ms >= 1) return `${ms}ms`;
  return `${ms * 1000}µs`;
}

/**
 * Convex's error for a function stopped at its limit: its runtime's "Function execution timed
 * out (maximum duration: 1800s)" (isolate/src/termination.rs), or its Node runtime's own for
 * a "use node" action (node-executor/src/executor.ts). No `fn`: an HTTP action (Convex's runtime).
 */
function timeoutMessage(fn: LoadedFunction | null, inTransaction: boolean, limitMs: number): string {
  if (fn?.environment === "node" && !inTransaction) {
    return `Action \`${fn.path.slice(fn.path.lastIndexOf(":") + 1)}\` execution timed out (maximum duration ${limitMs / 1000}s)`;
  }
  return `Function execution timed out (maximum duration: ${rustDuration(limitMs)})`;
}

export type { Caller } from "./auth";

export interface QueryOutcome {
  value: JSONValue;
  logLines: string[];
  reads: ReadEntry[];
  journal: string | null;
  ts: bigint;
}

export interface MutationOutcome {
  value: JSONValue;
  logLines: string[];
  ts: bigint;
}

export interface ActionOutcome {
  value: JSONValue;
  logLines: string[];
}

export type { HttpRequestWire, HttpResponsePart } from "./worker-protocol";

interface ExecutionContext {
  /** Lines the function (and functions it ran inline) logged with console.*, as Convex reports them. */
  logLines: string[];
  kind: FunctionKind;
  tx: Transaction | null;
  writable: boolean;
  caller: Caller;
  path: string;
  /** The component it runs in ("" for the app): its tables, its functions, its `process.env`. */
  component: string;
  /** How many `ctx.runQuery/runMutation` calls deep it runs (0 for the function a caller ran). */
  depth?: number;
  /** `performance.now()` after which its syscalls fail; nested calls inherit their caller's. */
  deadline?: number;
  /** Why the caller's credentials were refused: an HTTP action still runs, and its getUserIdentity() fails with this. */
  identityError?: string;
  /** How its log lines name it on the console (its path by default). */
  label?: string;
  /** An HTTP action's response, as its handler produces it. */
  respond?: (part: HttpResponsePart) => void;
}

/** Narrows `1.0/queryPage` arguments, rejecting what `.paginate()` would never send. */
function pageRequest(args: Record<string, unknown>): PageRequest {
  const { query, cursor, endCursor, pageSize, maximumRowsRead, maximumBytesRead } = args;
  if (typeof query !== "object" || query === null) throw new UserError("paginate: missing query");
  if (cursor !== null && typeof cursor !== "string") throw new UserError("paginate: `cursor` must be a string or null");
  if (endCursor !== null && endCursor !== undefined && typeof endCursor !== "string") {
    throw new UserError("paginate: `endCursor` must be a string or null");
  }
  if (typeof pageSize !== "number" || !Number.isFinite(pageSize) || pageSize < 0) {
    throw new UserError("paginate: `numItems` must be a non-negative number");
  }
  return {
    query: query as SerializedQuery,
    cursor,
    endCursor: endCursor ?? null,
    pageSize,
    maximumRowsRead: typeof maximumRowsRead === "number" ? maximumRowsRead : null,
    maximumBytesRead: typeof maximumBytesRead === "number" ? maximumBytesRead : null,
  };
}

function pastDeadline(ctx: ExecutionContext): boolean {
  return ctx.deadline !== undefined && performance.now() >= ctx.deadline;
}

function requestId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Convex's text for a failed function, as clients get it: "[Request ID: …] Server Error", then the
 * function's own error: its line, then its stack frames, each line ending in a newline
 * (convex-backend crates/application/src/redaction.rs, RedactedJsError; crates/common/src/
 * errors.rs, JsError's Display).
 */
export function serverErrorMessage(reqId: string, jsError: string, frames = ""): string {
  return `[Request ID: ${reqId}] Server Error\n${jsError}\n${frames}`;
}

/** A failed function's error, its message as serverErrorMessage writes it. */
function serverError(reqId: string, jsError: string, frames = "", data?: JSONValue): FunctionError {
  const error = new FunctionError(serverErrorMessage(reqId, jsError, frames), data);
  error.jsError = { requestId: reqId, message: jsError, frames };
  return error;
}

/** Turns whatever a function threw into Convex's error shape. */
function toFunctionError(thrown: unknown, reqId: string): FunctionError {
  if (thrown instanceof FunctionError) return thrown;
  // The function's own frames, source-mapped in its worker (none for a thrown non-Error, as in Convex).
  const frames = (thrown as { [FUNCTION_FRAMES]?: string } | null)?.[FUNCTION_FRAMES] ?? "";
  if (typeof thrown === "object" && thrown !== null && Symbol.for("ConvexError") in thrown) {
    const e = thrown as { name?: unknown; message: string; data: unknown };
    let data: JSONValue = null;
    try {
      data = typeof e.data === "string" ? (JSON.parse(e.data) as JSONValue) : convexToJson(e.data as Value);
    } catch {
      data = typeof e.data === "string" ? e.data : null;
    }
    const name = typeof e.name === "string" && e.name !== "" ? e.name : "ConvexError";
    return serverError(reqId, `Uncaught ${name}: ${e.message}`, frames, data);
  }
  if (thrown instanceof UserError) return serverError(reqId, `Uncaught Error: ${thrown.message}`, frames);
  if (thrown instanceof Error) return serverError(reqId, uncaught(thrown.name, thrown.message), frames);
  return serverError(reqId, uncaught("", describeThrown(thrown)));
}

/** "Uncaught name: message", leaving out an empty part (convex-backend isolate helpers.rs, `format_uncaught_error`). */
function uncaught(name: string, message: string): string {
  return ["Uncaught", [name, message].filter((part) => part !== "").join(": ")].filter((part) => part !== "").join(" ");
}

/** A query the backend answers itself, for the admin key only (Convex's dashboard reads `_system/frontend/…`). */
export type SystemQuery = (tx: Transaction, args: Record<string, Value>) => Value;

export interface CommitListener {
  (ts: bigint, writes: DocumentWrite[]): void;
}

/** The function making a syscall, as a feature's handler sees it. */
export interface SyscallOrigin {
  kind: FunctionKind;
  path: string;
  caller: Caller;
  /** Its own transaction (queries and mutations); fails in actions as database calls do. */
  transaction(): Transaction;
  /** The same, to write: fails in queries. */
  writableTransaction(): Transaction;
  /** Its component ("" for the app): the namespace its table names are in. */
  component: string;
}

/** An async syscall a feature answers (see `Runtime.handleAsyncSyscall`). */
export type AsyncSyscallHandler = (args: Record<string, unknown>, origin: SyscallOrigin) => Promise<JSONValue>;

/**
 * How a syscall names a function of another component (registration point for
 * `features/components/`): a reference (`components.<child>.<module>.<fn>`) or a function
 * handle. A `name` always names a function of the caller's own component.
 */
export interface FunctionAddressing {
  /** The child's function a reference names, seen from component `from`; a path of `from` for `_reference/function/…`. */
  resolveReference(components: ReadonlyMap<string, LoadedComponent>, from: string, reference: string): LoadedFunction | string;
  /** The function a handle names (any component, any visibility); throws Convex's error for a forged one. */
  resolveHandle(components: ReadonlyMap<string, LoadedComponent>, handle: string, op: string): LoadedFunction;
  createHandle(fn: LoadedFunction): string;
}

/** Convex's refusal of a component path from a caller that is not an admin (crates/sync/src/worker.rs). */
export const COMPONENT_PATH_ADMIN_ONLY = "Only admin or system users can call functions on non-root components directly";

/**
 * Fields of a system document only the backend reads (a job's target component): Convex does
 * not show them (its virtual tables leave them out), and no user field may start with `_`.
 */
function visibleDocument(doc: Doc): Doc {
  let hidden = false;
  for (const key in doc) if (key.startsWith("_") && key !== "_id" && key !== "_creationTime") hidden = true;
  if (!hidden) return doc;
  return Object.fromEntries(
    Object.entries(doc).filter(([key]) => !key.startsWith("_") || key === "_id" || key === "_creationTime"),
  );
}

/** Each namespace's schema: the app's and every component instance's. */
function schemasOf(modules: LoadedModules): Map<string, SchemaJson | null> {
  return new Map([...modules.components].map(([path, component]) => [path, component.schema]));
}

export class Runtime {
  private modules: LoadedModules;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly commitListeners: CommitListener[] = [];
  private readonly queryCache: QueryCache;
  /** Runs `ctx.scheduler` jobs; its bookkeeping lives in the `_scheduled_functions` table. */
  readonly scheduler = new Scheduler(this);
  /** Recent commits, newest last, so `query_at_ts` can read slightly in the past. */
  private readonly history: { ts: bigint; writes: DocumentWrite[] }[] = [];
  private historyFloor: bigint;
  private readonly runningActions = new Set<Promise<unknown>>();
  private readonly executor: Executor;
  /** Mutations' transactions on hold while a `useStaleSnapshot` query they started runs. */
  private readonly onHold = new WeakSet<Transaction>();
  /** Async syscalls that features answer, by op. */
  private readonly featureSyscalls = new Map<string, AsyncSyscallHandler>();
  private readonly systemQueries = new Map<string, SystemQuery>();
  /** The JSON text of documents read recently, so a document read again is not serialized again. */
  private readonly documentJson = new DocumentJsonCache(visibleDocument);

  constructor(
    readonly db: Database,
    modules: LoadedModules,
    private readonly transactionTimeoutMs = MAX_TRANSACTION_MS,
    /** Overrides both action limits (tests). */
    private readonly actionTimeoutMs?: number,
    /** References to other components and function handles (without it, only names resolve). */
    private readonly addressing: FunctionAddressing | null = null,
  ) {
    this.modules = modules;
    this.executor = new Executor(modules.workerFile, modules.bundle, modules.worker);
    this.historyFloor = db.latestTs;
    this.queryCache = new QueryCache(db);
    this.onCommit((_ts, writes) => this.queryCache.invalidate(writes));
    db.setSchemas(schemasOf(modules));
  }

  setModules(modules: LoadedModules): void {
    this.queryCache.clear();
    this.modules = modules;
    this.executor.setBundle(modules.bundle, modules.worker);
    this.db.setSchemas(schemasOf(modules));
  }

  get functions(): Map<string, LoadedFunction> {
    return this.modules.functions;
  }

  /** The app and its component instances, by component path. */
  get components(): ReadonlyMap<string, LoadedComponent> {
    return this.modules.components;
  }

  /** A function of a component, if it has one by that path. */
  functionOf(component: string, path: string): LoadedFunction | undefined {
    return this.modules.components.get(component)?.functions.get(path);
  }

  onCommit(listener: CommitListener): void {
    this.commitListeners.push(listener);
  }

  /** Lets a feature answer an async syscall the Runtime itself does not (e.g. `1.0/actions/vectorSearch`). */
  handleAsyncSyscall(op: string, handler: AsyncSyscallHandler): void {
    if (this.featureSyscalls.has(op)) throw new Error(`The syscall ${op} already has a handler`);
    this.featureSyscalls.set(op, handler);
  }

  /** Registers a feature's system query under its path (`_system/frontend/listCronJobs`). */
  registerSystemQuery(path: string, query: SystemQuery): void {
    this.systemQueries.set(canonicalPath(path), query);
  }

  /** Runs `task` after every task queued before it: the one-at-a-time executor. */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs `read` in a read-only transaction of its own on the executor (reads outside any
   * function), in a component's namespace (the app's by default).
   */
  readTransaction<T>(read: (tx: Transaction) => T | Promise<T>, namespace = ""): Promise<T> {
    return this.serial(async () => {
      const tx = new Transaction(this.db, { writable: false, journal: null, namespace });
      try {
        return await read(tx);
      } finally {
        tx.closed = true;
      }
    });
  }

  /**
   * Runs `write` in a transaction of its own on the executor and commits it: the backend's own
   * writes outside any mutation (an action's scheduling, an upload), in a component's namespace
   * (the app's by default). Nothing is written if it throws.
   */
  writeTransaction<T>(write: (tx: Transaction) => T | Promise<T>, namespace = ""): Promise<T> {
    return this.serial(async () => {
      const tx = new Transaction(this.db, { writable: true, journal: null, namespace });
      let value: T;
      try {
        value = await write(tx);
      } catch (error) {
        tx.abort();
        throw error;
      } finally {
        tx.closed = true;
      }
      this.commit(tx);
      return value;
    });
  }

  /**
   * The function a caller names: a path of the app (all a client can name), or a
   * ComponentFunctionPath (admin tools, and the backend's own calls).
   */
  resolve(target: unknown, kind: FunctionKind | "any", caller: Caller): LoadedFunction {
    const [component, udfPath] = target instanceof ComponentFunctionPath ? [target.component, target.path] : ["", target];
    if (component !== "" && !caller.allowInternal) {
      throw new FunctionError(serverErrorMessage(requestId(), COMPONENT_PATH_ADMIN_ONLY));
    }
    if (typeof udfPath !== "string" || udfPath.length === 0 || udfPath.length > 1024) {
      throw new FunctionError(`Invalid function path: ${JSON.stringify(udfPath)}`);
    }
    const path = canonicalPath(udfPath);
    if (component === "" && caller.admin && (kind === "query" || kind === "any") && this.systemQueries.has(path)) {
      return {
        path,
        component: "",
        definition: "",
        kind: "query",
        visibility: "internal",
        args: null,
        returns: null,
        environment: "isolate",
      };
    }
    const fn = this.functionOf(component, path);
    // Convex's wording (convex-backend crates/udf/src/validation.rs; /api/function:
    // crates/application/src/lib.rs): a default export is named by its module alone. The hint
    // after the public one is what Convex's integration tests (basic, internal) expect.
    if (!fn || (fn.visibility === "internal" && !caller.allowInternal)) {
      const name = path.replace(/:default$/, "");
      throw new FunctionError(
        serverErrorMessage(
          requestId(),
          kind === "any"
            ? `Could not find function for '${name}'. Did you forget to run \`npx convex dev\`?`
            : `Could not find public function for '${name}'. Did you forget to run \`npx convex dev\`?`,
        ),
      );
    }
    if (kind !== "any" && fn.kind !== kind) {
      const typeName = (k: FunctionKind) => k[0]!.toUpperCase() + k.slice(1);
      const [module, name] = [path.slice(0, path.lastIndexOf(":")), path.slice(path.lastIndexOf(":") + 1)];
      throw new FunctionError(
        serverErrorMessage(
          requestId(),
          `Trying to execute ${module}.js:${name} as ${typeName(kind)}, but it is defined as ${typeName(fn.kind)}.`,
        ),
      );
    }
    return fn;
  }

  /** Whether `id` is an id of `table` in the namespace of `fn`'s component (validators' `v.id()`). */
  private isIdIn(fn: LoadedFunction): (table: string, id: string) => boolean {
    return (table, id) => this.db.isIdOf(qualifiedTableName(fn.component, table), id);
  }

  private checkArgs(fn: LoadedFunction, args: JSONValue): Value {
    const size = JSON.stringify(args).length;
    if (size > MAX_ARGS_BYTES) {
      throw new FunctionError(`Arguments for ${fn.path} are too large (${size} bytes, maximum ${MAX_ARGS_BYTES} bytes).`);
    }
    let value: Value;
    try {
      value = jsonToConvex(args);
    } catch (error) {
      throw new FunctionError(`ArgumentValidationError: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!isPlainObject(value)) throw new FunctionError(`ArgumentValidationError: arguments to ${fn.path} must be an object`);
    if (fn.args && fn.args.type !== "any") {
      const error = validateValue(fn.args, value, this.isIdIn(fn));
      if (error) throw new FunctionError(`ArgumentValidationError: ${error}`);
    }
    return value;
  }

  private checkReturn(fn: LoadedFunction, resultJson: string): JSONValue {
    if (resultJson.length > MAX_ARGS_BYTES) {
      throw new FunctionError(
        `The return value of ${fn.path} is too large (${resultJson.length} bytes, maximum ${MAX_ARGS_BYTES} bytes).`,
      );
    }
    const json = JSON.parse(resultJson) as JSONValue;
    if (fn.returns) {
      const error = validateValue(fn.returns, jsonToConvex(json), this.isIdIn(fn));
      if (error) throw new FunctionError(`ReturnsValidationError: ${error}`);
    }
    return json;
  }

  /** Invokes a function's code in a worker, answering its syscalls from `ctx`. */
  private async invoke(fn: LoadedFunction, args: JSONValue, ctx: ExecutionContext): Promise<JSONValue> {
    const reqId = requestId();
    this.checkArgs(fn, args);
    const limitMs = ctx.tx
      ? this.transactionTimeoutMs
      : (this.actionTimeoutMs ?? (fn.environment === "node" ? MAX_NODE_ACTION_MS : MAX_ACTION_MS));
    const resultJson = await this.settle(
      this.executor.run(
        fn.kind,
        { definition: fn.definition, component: fn.component, path: fn.path },
        JSON.stringify([args]),
        reqId,
        this.host(ctx),
      ),
      ctx,
      reqId,
      limitMs,
      timeoutMessage(fn, ctx.tx !== null, limitMs),
    );
    try {
      return this.checkReturn(fn, resultJson);
    } catch (error) {
      if (error instanceof FunctionError) error.logLines = ctx.logLines;
      throw error;
    }
  }

  /**
   * What an invocation returns (its JSON text), or its failure in Convex's shape. Past its
   * deadline (`limitMs` after it could start) it fails with `timeoutText`, and its worker is terminated.
   */
  private async settle(
    call: Invocation,
    ctx: ExecutionContext,
    reqId: string,
    limitMs: number,
    timeoutText: string,
  ): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // The clock starts when the function can run, not while a fresh worker loads.
      await call.started.catch(() => undefined);
      const deadline = (ctx.deadline ??= performance.now() + limitMs);
      const timedOut = () => serverError(reqId, timeoutText);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => {
            // Whatever the function still does after this fails: its transaction is over.
            if (ctx.tx) ctx.tx.closed = true;
            reject(timedOut());
            // Then its worker is terminated: code that never yields cannot be stopped otherwise.
            call.stop();
          },
          Math.max(0, deadline - performance.now()),
        );
      });
      call.result.catch(() => undefined);
      // A function that failed past its deadline failed because of it (its syscalls refused).
      return await Promise.race([
        call.result.catch((thrown: unknown) => {
          // Whatever the function threw (not always an Error): toFunctionError formats it as Convex does.
          throw pastDeadline(ctx) ? timedOut() : thrown;
        }),
        timeout,
      ]);
    } catch (thrown) {
      const error = toFunctionError(thrown, reqId);
      error.logLines = ctx.logLines;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The execution's side of its syscalls, as its worker sees it. */
  private host(ctx: ExecutionContext): ExecutionHost {
    return {
      syscall: (op, args) => {
        this.checkDeadline(ctx);
        return this.syscall(ctx, op, args);
      },
      asyncSyscall: async (op, args) => {
        this.checkDeadline(ctx);
        try {
          return await this.asyncSyscall(ctx, op, args);
        } catch (error) {
          // A nested function's error reaches its caller as Convex passes it (its message and
          // frames, without the request line; isolate/src/environment/helpers/promise.rs), and
          // a ConvexError keeps its data.
          if (error instanceof FunctionError) {
            const message = withoutRequestLine(error.message);
            throw Object.assign(new Error(message), error.errorData !== undefined ? { data: error.errorData } : {});
          }
          throw error;
        }
      },
      immediateSyscall: (op, args) => {
        this.checkDeadline(ctx);
        return this.immediateSyscall(ctx, op, args);
      },
      log: (level, line) => {
        ctx.logLines.push(`[${level}] ${line}`);
        const print = level === "ERROR" ? console.error : level === "WARN" ? console.warn : console.log;
        print(`[${ctx.label ?? ctx.path}] [${level}] ${line}`);
      },
      ...(ctx.respond ? { respond: ctx.respond } : {}),
    };
  }

  /** A syscall after the deadline fails and ends the transaction, even before the timer fires. */
  private checkDeadline(ctx: ExecutionContext): void {
    if (!pastDeadline(ctx)) return;
    if (ctx.tx) ctx.tx.closed = true;
    throw new UserError("Function execution timed out");
  }

  // ---- queries and mutations (always inside `serial`) ----

  private async executeQueryNow(
    fn: LoadedFunction,
    args: JSONValue,
    caller: Caller,
    journal: string | null,
    /** False for a run at an earlier snapshot, whose result is not the current one. */
    cacheable = true,
  ): Promise<QueryOutcome> {
    const cacheKey = cacheable ? this.queryCache.key(fn.component, fn.path, args, caller, journal) : null;
    const cached = cacheKey === null ? undefined : this.queryCache.get(cacheKey);
    if (cached) return { value: cached.value, logLines: [], reads: cached.reads, journal: cached.journal, ts: this.db.latestTs };
    const tx = new Transaction(this.db, { writable: false, journal, namespace: fn.component });
    try {
      const logLines: string[] = [];
      const system = caller.admin && fn.component === "" ? this.systemQueries.get(fn.path) : undefined;
      const value = system
        ? convexToJson(system(tx, this.checkArgs(fn, args) as Record<string, Value>))
        : await this.invoke(fn, args, {
            logLines,
            kind: "query",
            tx,
            writable: false,
            caller,
            path: fn.path,
            component: fn.component,
          });
      if (cacheKey !== null && logLines.length === 0) {
        this.queryCache.set(cacheKey, { value, reads: tx.reads, journal: tx.journalOut });
      }
      return { value, logLines, reads: tx.reads, journal: tx.journalOut, ts: this.db.latestTs };
    } catch (error) {
      if (error instanceof FunctionError) error.reads = tx.reads;
      throw error;
    } finally {
      // A promise the function left running must not read later, outside its snapshot.
      tx.closed = true;
    }
  }

  runQuery(udfPath: unknown, args: JSONValue, caller: Caller, journal: string | null = null): Promise<QueryOutcome> {
    const fn = this.resolve(udfPath, "query", caller);
    return this.serial(() => this.executeQueryNow(fn, args, caller, journal));
  }

  /** Runs a query now; only call from inside a `serial` task. */
  queryInTask(udfPath: unknown, args: JSONValue, caller: Caller, journal: string | null): Promise<QueryOutcome> {
    const fn = this.resolve(udfPath, "query", caller);
    return this.executeQueryNow(fn, args, caller, journal);
  }

  /** Runs and commits a mutation now; only call from inside a `serial` task. */
  async mutationInTask(
    udfPath: unknown,
    args: JSONValue,
    caller: Caller,
    /** More writes for the mutation's commit, given what it returned and logged (the scheduler's and cron jobs' bookkeeping). */
    extra?: (tx: Transaction, value: JSONValue, logLines: string[]) => void,
    /** For sync mutations: the response to record with the commit, given its value and ts. */
    record?: (value: JSONValue, logLines: string[], ts: bigint) => MutationRecord,
  ): Promise<MutationOutcome> {
    const fn = this.resolve(udfPath, "mutation", caller);
    const tx = new Transaction(this.db, { writable: true, journal: null, namespace: fn.component });
    let value: JSONValue;
    const logLines: string[] = [];
    try {
      value = await this.invoke(fn, args, {
        logLines,
        kind: "mutation",
        tx,
        writable: true,
        caller,
        path: fn.path,
        component: fn.component,
      });
      // Writes from a promise the function left running would escape the commit: refuse them.
      tx.closed = true;
      extra?.(tx, value, logLines);
    } catch (error) {
      tx.closed = true;
      tx.abort();
      throw error;
    }
    const result = value;
    return { value, logLines, ts: this.commit(tx, record && ((ts) => record(result, logLines, ts))) };
  }

  runMutation(udfPath: unknown, args: JSONValue, caller: Caller): Promise<MutationOutcome> {
    const fn = this.resolve(udfPath, "mutation", caller);
    return this.serial(() => this.mutationInTask(ComponentFunctionPath.of(fn), args, caller));
  }

  /** Persists a transaction's writes in one SQLite transaction and tells listeners. */
  commit(tx: Transaction, record?: (ts: bigint) => MutationRecord): bigint {
    const writes = tx.effectiveWrites();
    if (writes.length === 0) return this.db.latestTs;
    const ts = this.db.nextTs();
    try {
      this.db.persist(ts, writes, record?.(ts));
    } catch (error) {
      tx.abort();
      throw new FunctionError(`Commit failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const w of writes) {
      if (w.after && isJobTable(w.table)) this.scheduler.arm(w.after, w.table);
    }
    this.remember(ts, writes);
    for (const listener of this.commitListeners) listener(ts, writes);
    return ts;
  }

  private remember(ts: bigint, writes: DocumentWrite[]): void {
    this.history.push({ ts, writes });
    const horizon = ts - 60_000_000_000n;
    while (this.history.length > 0 && (this.history.length > 10_000 || this.history[0]!.ts < horizon)) {
      this.historyFloor = this.history.shift()!.ts;
    }
  }

  /**
   * Runs a query as of an earlier commit timestamp (consistent SSR reads): inside one executor
   * task, the commits after `ts` are undone in memory, the query runs, and they are re-applied.
   */
  queryAt(udfPath: unknown, args: JSONValue, caller: Caller, ts: bigint): Promise<QueryOutcome> {
    const fn = this.resolve(udfPath, "query", caller);
    return this.serial(async () => {
      if (ts >= this.db.latestTs) return this.executeQueryNow(fn, args, caller, null);
      if (ts < this.historyFloor) {
        throw new FunctionError(`Timestamp ${ts} is too old: the local backend keeps about 60 seconds of history.`);
      }
      const later = this.history.filter((c) => c.ts > ts);
      for (let i = later.length - 1; i >= 0; i--) {
        for (const w of later[i]!.writes) this.db.applyInMemory(w.table, w.id, w.before);
      }
      try {
        const outcome = await this.executeQueryNow(fn, args, caller, null, false);
        return { ...outcome, ts };
      } finally {
        for (const c of later) for (const w of c.writes) this.db.applyInMemory(w.table, w.id, w.after);
      }
    });
  }

  /** Trusted bulk insert for seeding: one commit, indexes rebuilt once. */
  bulkInsert(table: string, values: Record<string, Value>[]): Promise<string[]> {
    return this.serial(async () => {
      const tx = new Transaction(this.db, { writable: true, journal: null });
      // Validate with the same checks as inserts, on a throwaway transaction that never commits.
      for (const value of values.slice(0, 1)) {
        tx.insert(table, value);
      }
      tx.abort();
      const ts = this.db.nextTs();
      const ids = this.db.bulkInsert(table, values, ts);
      const writes = ids.map((id) => ({ table, id, before: null, after: this.db.table(table)!.docs.get(id)! }));
      // Too large to keep for past reads: reads before this point are no longer served.
      this.history.length = 0;
      this.historyFloor = ts;
      for (const listener of this.commitListeners) listener(ts, writes);
      return ids;
    });
  }

  // ---- actions ----

  async runAction(udfPath: unknown, args: JSONValue, caller: Caller): Promise<ActionOutcome> {
    const fn = this.resolve(udfPath, "action", caller);
    const logLines: string[] = [];
    const run = this.invoke(fn, args, {
      logLines,
      kind: "action",
      tx: null,
      writable: false,
      caller,
      path: fn.path,
      component: fn.component,
    });
    this.runningActions.add(run);
    try {
      return { value: await run, logLines };
    } finally {
      this.runningActions.delete(run);
    }
  }

  // ---- HTTP actions ----

  /** Whether `convex/http.ts` default-exports a router. */
  get servesHttpActions(): boolean {
    return this.modules.httpRouter;
  }

  /**
   * Serves a request through `convex/http.ts` as an HTTP action: on an action worker, with an
   * action's syscalls (runQuery, runMutation, runAction, scheduler, auth, storage) and deadline.
   * `respond` gets the response as the handler produces it; a failure is thrown as an action's.
   */
  async runHttpAction(
    request: HttpRequestWire,
    caller: Caller,
    options: {
      identityError?: string;
      label: string;
      respond: (part: HttpResponsePart) => void;
      /** Aborts the handler's `request.signal` (its client went away). */
      signal: AbortSignal;
    },
  ): Promise<{ logLines: string[] }> {
    const reqId = requestId();
    const ctx: ExecutionContext = {
      logLines: [],
      kind: "action",
      tx: null,
      writable: false,
      caller,
      // Convex names an HTTP action by its module's default export (ctx.meta: "http").
      path: "http:default",
      component: "",
      label: options.label,
      respond: options.respond,
      identityError: options.identityError,
    };
    const limitMs = this.actionTimeoutMs ?? MAX_ACTION_MS;
    const run = this.settle(
      this.executor.runHttp(request, reqId, this.host(ctx), options.signal),
      ctx,
      reqId,
      limitMs,
      timeoutMessage(null, false, limitMs),
    );
    this.runningActions.add(run);
    try {
      await run;
      return { logLines: ctx.logLines };
    } finally {
      this.runningActions.delete(run);
    }
  }

  // ---- syscalls ----

  syscall(ctx: ExecutionContext, op: string, args: Record<string, unknown>): JSONValue {
    switch (op) {
      case "1.0/queryStream":
        return { queryId: this.tx(ctx).queryStream(args.query as SerializedQuery) };
      case "1.0/queryCleanup":
        this.tx(ctx).queryCleanup(args.queryId as number);
        return {};
      case "1.0/db/normalizeId":
        return { id: this.tx(ctx).normalizeId(args.table as string, args.idString as string) };
      case "1.0/getSnapshotTs":
        return convexToJson(this.db.latestTs);
      default:
        throw new Error(`Unsupported syscall in the local backend: ${op}`);
    }
  }

  private tx(ctx: ExecutionContext): Transaction {
    if (!ctx.tx) throw new UserError("The database is not available in actions: use ctx.runQuery or ctx.runMutation.");
    if (ctx.tx.closed) throw new UserError("This function's transaction has already ended.");
    if (this.onHold.has(ctx.tx)) {
      throw new UserError(
        "The local backend cannot use a mutation's transaction while a query it started with `useStaleSnapshot` runs: await that query first.",
      );
    }
    // Components share their caller's transaction: this operation is the executing one's.
    ctx.tx.namespace = ctx.component;
    return ctx.tx;
  }

  private writableTx(ctx: ExecutionContext): Transaction {
    const tx = this.tx(ctx);
    if (!ctx.writable) throw new UserError("Cannot write to the database in a query. Use a mutation.");
    return tx;
  }

  async asyncSyscall(ctx: ExecutionContext, op: string, args: Record<string, unknown>): Promise<SyscallResult> {
    if (IMMEDIATE_ASYNC_SYSCALLS.has(op)) return this.immediateSyscall(ctx, op, args);
    switch (op) {
      case "1.0/runUdf":
        return this.runNested(ctx, args);
      case "1.0/actions/query": {
        const fn = this.addressed(ctx, args, "query", "runQuery");
        return (await this.runQuery(ComponentFunctionPath.of(fn), args.args as JSONValue, this.callerOf(ctx, fn))).value;
      }
      case "1.0/actions/mutation": {
        const fn = this.addressed(ctx, args, "mutation", "runMutation");
        return (await this.runMutation(ComponentFunctionPath.of(fn), args.args as JSONValue, this.callerOf(ctx, fn))).value;
      }
      case "1.0/actions/action": {
        const fn = this.addressed(ctx, args, "action", "runAction");
        return (await this.runAction(ComponentFunctionPath.of(fn), args.args as JSONValue, this.callerOf(ctx, fn))).value;
      }
      case "1.0/actions/schedule": {
        const fn = this.addressed(ctx, args, "any", "scheduler");
        return this.writeTransaction((tx) => this.scheduler.schedule(tx, fn, args), ctx.component);
      }
      case "1.0/actions/cancel_job":
        await this.writeTransaction((tx) => this.scheduler.cancel(tx, args.id as string), ctx.component);
        return {};
      case "1.0/auditLog":
        // Convex sends audit lines to the deployment's log streams (convex-backend udf/async_syscall.rs,
        // audit_log); the local backend has none, so a valid line goes nowhere, as on a deployment without one.
        if (ctx.kind === "action") throw new UserError("Audit logging is not yet supported in actions");
        if (typeof args.body !== "object" || args.body === null) throw new UserError("Invalid argument `body` for `auditLog`");
        return null;
      case "1.0/createFunctionHandle": {
        if (typeof args.functionHandle === "string") return args.functionHandle;
        return this.requireAddressing().createHandle(this.addressed(ctx, args, "any", "createFunctionHandle"));
      }
      default: {
        const handler = this.featureSyscalls.get(op);
        if (handler) {
          return handler(args, {
            kind: ctx.kind,
            path: ctx.path,
            caller: ctx.caller,
            component: ctx.component,
            transaction: () => this.tx(ctx),
            writableTransaction: () => this.writableTx(ctx),
          });
        }
        throw new Error(`Unsupported syscall in the local backend: ${op}`);
      }
    }
  }

  /** The async syscalls answered at once (IMMEDIATE_ASYNC_SYSCALLS): the transaction's reads and writes, metadata. */
  immediateSyscall(ctx: ExecutionContext, op: string, args: Record<string, unknown>): SyscallResult {
    const table = typeof args.table === "string" ? args.table : undefined;
    switch (op) {
      case "1.0/get": {
        const doc = this.tx(ctx).get(jsonToConvex(args.id as JSONValue), table, args.isSystem === true);
        return doc === null ? null : new JsonText(this.documentJson.text(doc));
      }
      case "1.0/queryStreamNext": {
        const doc = this.tx(ctx).queryNext(args.queryId as number);
        return doc === null ? { value: null, done: true } : new JsonText(`{"value":${this.documentJson.text(doc)},"done":false}`);
      }
      case "1.0/queryPage": {
        const { page, isDone, continueCursor, splitCursor, pageStatus } = this.tx(ctx).queryPage(pageRequest(args));
        const documents = page.map((doc) => this.documentJson.text(doc)).join(",");
        // The page's documents as kept text, then its other fields ("{" dropped) as JSON writes them.
        const fields = JSON.stringify({ isDone, continueCursor, splitCursor, pageStatus }).slice(1);
        return new JsonText(`{"page":[${documents}],${fields}`);
      }
      case "1.0/count":
        return this.tx(ctx).count(args.table as string);
      case "1.0/insert": {
        const value = jsonToConvex(args.value as JSONValue);
        if (!isPlainObject(value)) throw new UserError("db.insert expects an object");
        return { _id: this.writableTx(ctx).insert(args.table as string, value) };
      }
      case "1.0/shallowMerge": {
        if (!isPlainObject(args.value)) throw new UserError("db.patch expects an object");
        this.writableTx(ctx).patch(jsonToConvex(args.id as JSONValue), table, args.value);
        return {};
      }
      case "1.0/replace": {
        const value = jsonToConvex(args.value as JSONValue);
        if (!isPlainObject(value)) throw new UserError("db.replace expects an object");
        this.writableTx(ctx).replace(jsonToConvex(args.id as JSONValue), table, value);
        return {};
      }
      case "1.0/remove":
        this.writableTx(ctx).delete(jsonToConvex(args.id as JSONValue), table);
        return {};
      case "1.0/getUserIdentity":
        if (ctx.identityError !== undefined) throw new UserError(ctx.identityError);
        return (ctx.caller.identity as JSONValue | null) ?? null;
      case "1.0/schedule":
        return this.scheduler.schedule(this.writableTx(ctx), this.addressed(ctx, args, "any", "scheduler"), args);
      case "1.0/cancel_job":
        this.scheduler.cancel(this.writableTx(ctx), args.id as string);
        return {};
      case "1.0/getFunctionMetadata":
        // Convex names a default export by its module alone (`strip` in convex-backend's udf_path.rs).
        return { name: ctx.path.replace(/:default$/, ""), componentPath: ctx.component };
      case "1.0/getDeploymentMetadata":
        return { name: "local", region: null, class: "local" };
      case "1.0/getTransactionMetrics":
        throw new UserError(
          "ctx.meta.getTransactionMetrics() is not supported by the local backend: it keeps no transaction metrics.",
        );
      case "1.0/getRequestMetadata":
        return { ip: null, userAgent: null, requestId: requestId(), scheduledFunctionId: null, authToken: null };
      default:
        throw new Error(`Not an immediate syscall: ${op}`);
    }
  }

  /** `ctx.runQuery/runMutation` inside a query or mutation: same transaction, inline. */
  private async runNested(ctx: ExecutionContext, args: Record<string, unknown>): Promise<JSONValue> {
    const tx = this.tx(ctx);
    if (args.transactionLimits !== undefined) {
      throw new UserError(
        "The `transactionLimits` option of ctx.runQuery/ctx.runMutation is not supported by the local backend: it enforces no transaction limits.",
      );
    }
    // Convex's limit on nested queries and mutations (MAX_REACTOR_CALL_DEPTH; udf/async_syscall.rs).
    if ((ctx.depth ?? 0) >= MAX_CALL_DEPTH) {
      throw new UserError("Cross component call depth limit exceeded. Do you have an infinite loop in your app?");
    }
    if (args.udfType === "snapshotQuery") return this.runSnapshotQuery(ctx, tx, args);
    const udfType = args.udfType === "mutation" ? "mutation" : "query";
    if (udfType === "mutation" && !ctx.writable) throw new UserError("Cannot run a mutation from a query.");
    const fn = this.addressed(ctx, args, udfType, "runUdf");
    const savepoint = tx.savepoint();
    try {
      // The same transaction, in the callee's component (and as its caller, within the app).
      return await this.invoke(fn, args.args as JSONValue, {
        ...ctx,
        caller: { ...this.callerOf(ctx, fn), allowInternal: ctx.caller.allowInternal },
        kind: udfType,
        writable: udfType === "mutation",
        path: fn.path,
        component: fn.component,
        depth: (ctx.depth ?? 0) + 1,
      });
    } catch (error) {
      if (udfType === "mutation") tx.rollbackTo(savepoint);
      throw error;
    }
  }

  /**
   * `ctx.runQuery(fn, args, { useStaleSnapshot: true })` in a mutation: the query reads the
   * database without the mutation's pending writes (undone in memory while it runs, then
   * re-applied), in a transaction of its own, so its reads are not the mutation's.
   */
  private async runSnapshotQuery(ctx: ExecutionContext, tx: Transaction, args: Record<string, unknown>): Promise<JSONValue> {
    if (!ctx.writable) throw new UserError("`useStaleSnapshot` is only supported in mutations, not queries.");
    const fn = this.addressed(ctx, args, "query", "runUdf");
    const pending = tx.effectiveWrites();
    const snapshot = new Transaction(this.db, { writable: false, journal: null, namespace: fn.component });
    this.onHold.add(tx);
    for (let i = pending.length - 1; i >= 0; i--) this.db.applyInMemory(pending[i]!.table, pending[i]!.id, pending[i]!.before);
    try {
      return await this.invoke(fn, args.args as JSONValue, {
        ...ctx,
        kind: "query",
        tx: snapshot,
        writable: false,
        path: fn.path,
        component: fn.component,
        depth: (ctx.depth ?? 0) + 1,
      });
    } finally {
      snapshot.closed = true;
      for (const w of pending) this.db.applyInMemory(w.table, w.id, w.after);
      this.onHold.delete(tx);
    }
  }

  /**
   * The function a syscall's address names, from the calling component: `name` (a function of
   * its own, internal ones included), `reference` (a child's public function) or `functionHandle`.
   */
  private addressed(
    ctx: ExecutionContext,
    args: Record<string, unknown>,
    kind: FunctionKind | "any",
    op: string,
  ): LoadedFunction {
    const { name, reference, functionHandle } = args;
    let target: LoadedFunction | string;
    if (typeof functionHandle === "string") {
      target = this.requireAddressing().resolveHandle(this.modules.components, functionHandle, op);
    } else if (typeof name === "string") {
      target = name;
    } else if (typeof reference === "string") {
      target = this.requireAddressing().resolveReference(this.modules.components, ctx.component, reference);
    } else {
      throw new UserError(`Invalid arguments for \`${op}\`: Missing required argument 'name'`);
    }
    const path = typeof target === "string" ? new ComponentFunctionPath(ctx.component, target) : ComponentFunctionPath.of(target);
    return this.resolve(path, kind, { identity: null, allowInternal: true });
  }

  private requireAddressing(): FunctionAddressing {
    if (!this.addressing) throw new UserError("Function references to components and function handles are not available");
    return this.addressing;
  }

  /**
   * Whom a call to another function runs as: its caller, within the app; nobody, into or out of
   * a component. "Within a component, `ctx.auth` is not available" (Convex's docs, components/
   * authoring); convex-backend applies it to actions (crates/model/src/components/auth.rs,
   * `propagate_component_auth`) and convex-test to queries and mutations too.
   */
  private callerOf(ctx: ExecutionContext, fn: LoadedFunction): Caller {
    return { identity: ctx.component === "" && fn.component === "" ? ctx.caller.identity : null, allowInternal: true };
  }

  async close(): Promise<void> {
    this.scheduler.close();
    await this.serial(async () => undefined);
    // Running actions are stopped with their workers.
    await this.executor.close();
    await Promise.allSettled([...this.runningActions]);
  }
}
