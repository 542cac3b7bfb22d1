/**
 * A function worker (a `node:worker_threads` thread): imports one build of `convex/`, reports
 * what it registers, and runs the `invoke*` entry points the main thread asks for. Every
 * syscall goes to the main thread's Runtime: async ones as messages, the few synchronous ones
 * by blocking on a shared flag until the reply waits on the sync port. Because function code
 * only ever runs here, the main thread can stop a function that never yields by terminating
 * this thread. Bundled by esbuild at load (see `modules.ts`), so it runs under any loader.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { getHeapStatistics } from "node:v8";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { JSONValue } from "convex/values";
import type {
  AsyncSyscallFailure,
  AuthProviderConfig,
  FromWorker,
  FunctionKind,
  FunctionMetadata,
  HttpResponsePart,
  SyncReply,
  ToWorker,
  WireError,
  WorkerInit,
  WorkerSettled,
} from "./worker-protocol";
import { frameData, FrameMapper, type FrameData } from "./stack-frames";
import { describeThrown, IMMEDIATE_ASYNC_SYSCALLS } from "./worker-protocol";

/** What `query()/mutation()/action()` from `convex/server` attach to the exported function. */
interface RegisteredExport {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  invokeQuery?: (args: string) => Promise<string>;
  invokeMutation?: (args: string) => Promise<string>;
  invokeAction?: (requestId: string, args: string) => Promise<string>;
  exportArgs?: () => string;
  exportReturns?: () => string;
}

/** What `httpRouter()` from `convex/server` exports: `lookup` routes (HEAD as GET) to a handler. */
interface HttpRouterExport {
  isRouter: true;
  lookup(
    path: string,
    method: string,
  ): readonly [{ invokeHttpAction(request: Request): Promise<unknown> }, string, string] | null;
}

const NON_FUNCTION_MODULES = new Set(["schema", "auth.config", "convex.config", "crons"]);
/** Marks an error that came from the backend's own checks (UserError on the main thread). */
const USER_ERROR = Symbol("localBackendUserError");

const init = workerData as WorkerInit;
const port = parentPort!;
const signal = new Int32Array(init.signal);
/**
 * One execution of a function here, and what it started that must not outlive it: a worker runs
 * many in turn, and in Convex an execution's context is gone once it ends (its timers never
 * fire, its pending promises never resume).
 */
interface ExecutionState {
  /** The main thread's id for it. */
  exec: number;
  component: string;
  /** `process.env` as it sees it: a copy of its component's, so what it sets dies with it. */
  env: Record<string, string>;
  ended: boolean;
  /** Its timers (setTimeout, setInterval, setImmediate) not yet fired or cleared, and how to clear each. */
  timers: Map<unknown, () => void>;
}
/** The execution the running code belongs to (code it left behind keeps its ended state). */
const execution = new AsyncLocalStorage<ExecutionState>();
const running = new Map<number, ExecutionState>();
const invokers = new Map<string, (args: string, requestId: string) => Promise<string>>();
const pendingAsync = new Map<number, { exec: number; resolve(json: string): void; reject(error: unknown): void }>();
let nextAsyncId = 0;
/** `convex/http.ts`'s router, once loaded (null without one). */
let httpRouter: HttpRouterExport | null = null;
/** What aborts the `signal` of each HTTP action's request (set by whichever comes first, the request or its abort). */
const httpAborts = new Map<number, AbortController>();
const abortOf = (exec: number) => httpAborts.get(exec) ?? httpAborts.set(exec, new AbortController()).get(exec)!;

function post(message: FromWorker): void {
  port.postMessage(message);
}

/** A "use node" module's built file → the name Convex's Node runtime gives it in stacks (`convex:/user/a/b.js`). */
const nodeModuleFiles = new Map(
  init.bundle.nodeModules.map((m) => [pathToFileURL(join(init.bundle.buildDir, `${m}.mjs`)).href, `convex:/user/${m}.js`]),
);
function siteLine(site: NodeJS.CallSite): string {
  const line = (site as NodeJS.CallSite & { toString(): string }).toString();
  const file = site.getFileName();
  const renamed = file === null ? undefined : nodeModuleFiles.get(file);
  return renamed === undefined || file === null ? line : line.replace(file, renamed);
}

/**
 * V8's call sites of every error whose `stack` was read (V8 builds it once, on first read), so a
 * failure can be reported with the function's own frames as Convex does. `stack` stays as node
 * writes it, but with "use node" modules named as Convex's Node runtime names them.
 */
const callSites = new WeakMap<object, FrameData[]>();
Error.prepareStackTrace = (error: unknown, sites: NodeJS.CallSite[]): string => {
  try {
    if (typeof error === "object" && error !== null) callSites.set(error, sites.map(frameData));
  } catch {
    // Reading `stack` must never fail because of this; the error is then reported without frames.
  }
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = "Error";
  }
  // V8's own line for each frame (CallSite's toString, which the node typings leave out).
  return header + sites.map((site) => `\n    at ${siteLine(site)}`).join("");
};

let frameMapper: FrameMapper | null = null;

/** The function's own frames of what it threw, as Convex appends them ("" if none). */
function framesOf(thrown: unknown, module: string): string {
  if (typeof thrown !== "object" || thrown === null) return "";
  try {
    void (thrown as { stack?: unknown }).stack;
    const frames = callSites.get(thrown);
    if (!frames) return "";
    frameMapper ??= new FrameMapper(init.bundle.buildDir, dirname(init.bundle.functionsDir));
    return frameMapper.format(frames, module);
  } catch {
    // A `stack` getter that throws, say: the error is still reported, without frames.
    return "";
  }
}

/** The module of the function that ran last: an exception nothing caught is reported against it. */
let lastModule = "";

function toWire(thrown: unknown, module?: string): WireError {
  const frames = module === undefined ? "" : framesOf(thrown, module);
  if (typeof thrown === "object" && thrown !== null && Symbol.for("ConvexError") in thrown) {
    const e = thrown as { name?: unknown; message?: unknown; stack?: unknown; data?: unknown };
    let convexData: string;
    try {
      convexData = typeof e.data === "string" ? e.data : (JSON.stringify(e.data ?? null) ?? "null");
    } catch {
      convexData = "null";
    }
    return {
      // A subclass's own name (`class FooError extends ConvexError`) is reported, as Convex does.
      name: typeof e.name === "string" ? e.name : "ConvexError",
      message: String(e.message),
      convexData,
      ...(typeof e.stack === "string" ? { stack: e.stack } : {}),
      ...(frames ? { frames } : {}),
    };
  }
  if (thrown instanceof Error) {
    return {
      name: thrown.name,
      message: thrown.message,
      ...(thrown.stack !== undefined ? { stack: thrown.stack } : {}),
      ...((thrown as { [USER_ERROR]?: boolean })[USER_ERROR] ? { user: true } : {}),
      ...(frames ? { frames } : {}),
    };
  }
  // Not an Error: no name, so the Runtime reports it as V8 does ("Uncaught foo").
  return { name: "", message: describeThrown(thrown) };
}

function fromWire(wire: WireError): Error {
  const error = Object.assign(new Error(wire.message), { name: wire.name });
  if (wire.user) Object.assign(error, { [USER_ERROR]: true });
  return error;
}

function currentExecution(): number {
  const store = execution.getStore();
  if (store === undefined) throw new Error("Convex syscall made outside of a function execution");
  if (store.ended) throw new Error("This function execution has already ended.");
  return store.exec;
}

/** What an async syscall rejects with: performAsyncSyscall turns `data` into a ConvexError, anything else into an Error. */
function asyncSyscallError({ message, data }: AsyncSyscallFailure): Error {
  return Object.assign(new Error(message), data !== undefined ? { data } : {});
}

/** Posts a syscall and blocks until the main thread's reply is on the sync port. */
function syncRoundTrip(exec: number, op: string, args: string, async: boolean): SyncReply {
  Atomics.store(signal, 0, 0);
  post({ type: "syscall", exec, op, args, ...(async ? { async: true as const } : {}) });
  // The main thread always answers (or terminates this thread); nothing else can run meanwhile.
  // Only the flag counts: a late wake-up meant for the previous reply must not end the wait.
  while (Atomics.load(signal, 0) === 0) Atomics.wait(signal, 0, 0);
  const reply = receiveMessageOnPort(init.syncPort)?.message as SyncReply | undefined;
  if (!reply) throw new Error(`No reply to the synchronous syscall ${op}`);
  return reply;
}

(globalThis as { Convex?: unknown }).Convex = {
  syscall(op: string, args: string): string {
    const reply = syncRoundTrip(currentExecution(), op, args, false);
    if (reply.ok) return reply.json;
    if ("error" in reply) throw fromWire(reply.error);
    throw new Error(`A synchronous syscall got an async reply (${op})`);
  },
  asyncSyscall(op: string, args: string): Promise<string> {
    let exec: number;
    let immediate: SyncReply | undefined;
    try {
      exec = currentExecution();
      if (IMMEDIATE_ASYNC_SYSCALLS.has(op)) immediate = syncRoundTrip(exec, op, args, true);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (immediate !== undefined) {
      if (immediate.ok) return Promise.resolve(immediate.json);
      return Promise.reject(asyncSyscallError("asyncError" in immediate ? immediate.asyncError : immediate.error));
    }
    const id = nextAsyncId++;
    return new Promise<string>((resolve, reject) => {
      pendingAsync.set(id, { exec, resolve, reject });
      post({ type: "asyncSyscall", id, exec, op, args });
    });
  },
  jsSyscall(op: string, args: Record<string, unknown>): Promise<unknown> {
    if (op === "storage/storeBlob") return storeBlob(args);
    if (op === "storage/getBlob") return getBlob(args);
    throw new Error(`Unknown JS syscall ${op}`);
  },
};

/** Runs an async syscall from inside the worker, as `performAsyncSyscall` would. */
async function asyncSyscall(op: string, args: Record<string, unknown>): Promise<unknown> {
  const convex = (globalThis as unknown as { Convex: { asyncSyscall(op: string, args: string): Promise<string> } }).Convex;
  return JSON.parse(await convex.asyncSyscall(op, JSON.stringify(args))) as unknown;
}

/**
 * An action's `ctx.storage.store(blob)`. In Convex this JS syscall is the isolate's own code
 * (udf-runtime's storage.ts, wording from there); here the Blob is read in the worker and its
 * bytes go, base64 as in Convex's `1.0/storageStore`, to the async syscall of the same name.
 */
async function storeBlob({ blob, options }: Record<string, unknown>): Promise<unknown> {
  if (!(blob instanceof Blob)) {
    throw new Error(
      "store() expects a Blob. If you are trying to store a Request, `await request.blob()` will give you the correct input.",
    );
  }
  const sha256 = (options as { sha256?: unknown } | undefined)?.sha256;
  const bytes = Buffer.from(await blob.arrayBuffer()).toString("base64");
  return asyncSyscall("storage/storeBlob", { blob: bytes, contentType: blob.type, ...(sha256 !== undefined ? { sha256 } : {}) });
}

/** An action's `ctx.storage.get(id)`: a Blob of the file's bytes and content type, or null. */
async function getBlob({ storageId }: Record<string, unknown>): Promise<Blob | null> {
  if (typeof storageId !== "string") {
    throw new Error(`storage.get requires a string storageId but received ${String(storageId)}`);
  }
  const file = (await asyncSyscall("storage/getBlob", { storageId })) as { blob: string; contentType: string | null } | null;
  return file === null ? null : new Blob([Buffer.from(file.blob, "base64")], { type: file.contentType ?? "" });
}

/** Posts one log line of the running function; false outside a function execution. */
function logLine(level: string, args: unknown[]): boolean {
  const exec = execution.getStore()?.exec;
  if (exec === undefined) return false;
  post({ type: "log", exec, level, line: args.map((a) => inspect(a, { depth: 4, breakLength: Infinity })).join(" ") });
  return true;
}

/** console.* inside a function becomes one of its log lines ("[LOG] 'text'"), as in Convex. */
const levels = { log: "LOG", info: "INFO", debug: "DEBUG", warn: "WARN", error: "ERROR" } as const;
for (const [method, level] of Object.entries(levels) as [keyof typeof levels, string][]) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    if (!logLine(level, args)) original(...args);
  };
}

/**
 * console.time/timeLog/timeEnd as Convex's runtimes write them (a log line each, timers kept per
 * execution), not Node's: its own would format through console.log and warn on the process.
 */
const timers = new WeakMap<object, Map<string, number>>();
function timersOfExecution(): Map<string, number> | null {
  const store = execution.getStore();
  if (store === undefined) return null;
  let own = timers.get(store);
  if (!own) timers.set(store, (own = new Map<string, number>()));
  return own;
}
/** A timer's label as Convex's runtimes name it ("default" when none is given). */
const timerName = (label: unknown): string => (label === undefined ? "default" : `${label as string}`);
const nodeTime = {
  time: console.time.bind(console),
  timeLog: console.timeLog.bind(console),
  timeEnd: console.timeEnd.bind(console),
};
console.time = (label?: unknown) => {
  const own = timersOfExecution();
  if (!own) return nodeTime.time(label as string | undefined);
  const name = timerName(label);
  if (own.has(name)) logLine("WARN", [`Timer '${name}' already exists`]);
  else own.set(name, Date.now());
};
for (const method of ["timeLog", "timeEnd"] as const) {
  console[method] = (label?: unknown, ...data: unknown[]) => {
    const own = timersOfExecution();
    if (!own) return nodeTime[method](label as string | undefined, ...data);
    const name = timerName(label);
    const started = own.get(name);
    if (started === undefined) return void logLine("WARN", [`Timer '${name}' does not exist`]);
    if (method === "timeEnd") own.delete(name);
    logLine("INFO", [`${name}: ${Date.now() - started}ms`, ...(method === "timeLog" ? data : [])]);
  };
}

const nodeModules = new Set(init.bundle.nodeModules);
/** Whether the function that ran last is the app's and in a "use node" module. */
let lastInNode = false;

/** What Convex's Node executor says of a thrown value (its `extractErrorMessage`). */
function nodeErrorMessage(thrown: unknown): string {
  if (thrown === null || thrown === undefined) return "unknown error";
  try {
    const value = thrown as { message?: { toString?: () => unknown }; toString?: () => unknown };
    const text =
      typeof value.message?.toString === "function"
        ? value.message.toString()
        : typeof value.toString === "function"
          ? value.toString()
          : undefined;
    return typeof text === "string" ? text : "unknown error";
  } catch {
    return "unknown error";
  }
}

/**
 * A throw in a timer or event handler, or a rejection nobody handles, fails what runs here (the
 * main thread then replaces this thread), never the backend. Convex's runtime reports it as the
 * error itself ("Uncaught Error: …", a promise rejection nobody handled); its Node runtime
 * ("use node") names the event: "Uncaught uncaughtException: …" (node-executor, executor.ts).
 */
function uncaught(event: "uncaughtException" | "unhandledRejection", thrown: unknown): void {
  // Code an ended execution left behind (a callback of work it never awaited: Convex would never
  // run it) fails nothing that runs now, or is sent here meanwhile; the worker is not reused.
  if (execution.getStore()?.ended) {
    poisoned = true;
    post({ type: "tainted" });
    return;
  }
  const wire = toWire(thrown, lastModule);
  const error: WireError = lastInNode
    ? {
        name: event,
        message: nodeErrorMessage(thrown),
        ...(thrown instanceof Error && wire.frames ? { frames: wire.frames } : {}),
      }
    : wire;
  post({ type: "uncaught", error });
}
process.on("uncaughtException", (error) => uncaught("uncaughtException", error));
process.on("unhandledRejection", (reason) => uncaught("unhandledRejection", reason));

/**
 * Runs `work` as execution `exec` of a function in `module` of `component` ("" for the app), and
 * posts its result; with `report` (an action's), whether the worker can be reused (`finish`).
 */
function execute(exec: number, component: string, module: string, report: boolean, work: () => Promise<string>): void {
  lastModule = module;
  lastInNode = component === "" && nodeModules.has(module);
  const state: ExecutionState = { exec, component, env: { ...componentEnv[component] }, ended: false, timers: new Map() };
  running.set(exec, state);
  execution.run(state, () => {
    // Invocations may arrive while the modules still load; a failed load is reported once.
    void loading
      .then(work, () => new Promise<string>(() => undefined))
      .then(
        (json) => finish(state, report, { type: "result", exec, ok: true, json }),
        (error: unknown) => finish(state, report, { type: "result", exec, ok: false, error: toWire(error, module) }),
      );
  });
}

/**
 * Posts an execution's result. With `report` (an action's), whether the worker can be reused
 * goes with it when it is clean already, so that it is back in its pool before the caller can
 * send another action; otherwise (an immediate of node's own still due, say) it follows a turn
 * of the event loop later. What shows only later (a promise rejection nobody handles, a server
 * that listens once its address is looked up) taints the worker: it is checked again a turn
 * later, and at the end of the next execution.
 */
function finish(state: ExecutionState, report: boolean, result: Extract<FromWorker, { type: "result" }>): void {
  end(state);
  if (!report || running.size > 0) return post(result);
  if (isClean()) {
    post({ ...result, settled: settledNow() });
    nodeSetImmediate(() => {
      if (running.size === 0 && !isClean()) post({ type: "tainted" });
    });
    return;
  }
  post(result);
  // Nothing is sent here before this answer.
  nodeSetImmediate(() => post({ type: "settled", settled: settledNow() }));
}

function settledNow(): WorkerSettled {
  const memory = getHeapStatistics();
  // ArrayBuffers' bytes are outside the V8 heap (and its limit), but just as much kept alive.
  return { clean: isClean(), memoryBytes: memory.used_heap_size + memory.external_memory };
}

/** Ends an execution as Convex discards its context: its timers are cleared, its pending syscalls never answered. */
function end(state: ExecutionState): void {
  state.ended = true;
  running.delete(state.exec);
  for (const clear of state.timers.values()) clear();
  state.timers.clear();
  for (const [id, pending] of pendingAsync) if (pending.exec === state.exec) pendingAsync.delete(id);
  httpAborts.delete(state.exec);
}

/** Set once code of an ended execution threw: the worker is not reused. */
let poisoned = false;
/** What is active in an idle worker (by kind), taken once the modules are loaded. */
let idleResources = new Map<string, number>();

/**
 * A connected socket is not counted: fetch() keeps its sockets open for the next request. What
 * one delivers later to code of an ended execution runs as that execution (its syscalls refused,
 * a throw taints the worker), as does whatever else its work left in flight.
 */
const UNCOUNTED_RESOURCES = new Set(["TCPSocketWrap"]);

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (!UNCOUNTED_RESOURCES.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

/**
 * Whether this worker, idle, may run another execution: not if an exception came from code an
 * ended execution left, nor while something an execution started is still active (a server, a
 * file operation, a timer made through node:timers: each would call back into its code).
 */
function isClean(): boolean {
  if (poisoned) return false;
  for (const [kind, count] of countResources()) if (count > (idleResources.get(kind) ?? 0)) return false;
  return true;
}

const nodeSetImmediate = globalThis.setImmediate;
/**
 * setTimeout, setInterval and setImmediate as functions see them: a timer made in an execution
 * is cleared when it ends, so it never fires in a later one (nor after its worker moved on), and
 * one made by code an ended execution left behind never fires.
 */
function trackTimers<H>(original: (...args: never[]) => H, clear: (handle: H) => void, repeats: boolean) {
  const schedule = original as unknown as (callback: unknown, ...rest: unknown[]) => H;
  const tracked = function (this: unknown, callback: unknown, ...rest: unknown[]): H {
    const store = execution.getStore();
    if (store === undefined || typeof callback !== "function") return schedule(callback, ...rest);
    const fire = callback as (...args: unknown[]) => void;
    const handle: H = schedule(
      repeats
        ? fire
        : function (this: unknown, ...args: unknown[]) {
            store.timers.delete(handle);
            return fire.apply(this, args);
          },
      ...rest,
    );
    if (store.ended) clear(handle);
    else store.timers.set(handle, () => clear(handle));
    return handle;
  };
  // What util.promisify uses (setTimeout's own promise form), and any other symbol it carries.
  for (const key of Object.getOwnPropertySymbols(original)) {
    Object.defineProperty(tracked, key, Object.getOwnPropertyDescriptor(original, key)!);
  }
  return tracked;
}
function untrack<H>(clear: (handle: H) => void) {
  return (handle: H) => {
    execution.getStore()?.timers.delete(handle);
    clear(handle);
  };
}
globalThis.setTimeout = trackTimers<NodeJS.Timeout>(globalThis.setTimeout, globalThis.clearTimeout, false) as typeof setTimeout;
globalThis.setInterval = trackTimers<NodeJS.Timeout>(
  globalThis.setInterval,
  globalThis.clearInterval,
  true,
) as typeof setInterval;
globalThis.setImmediate = trackTimers<NodeJS.Immediate>(
  globalThis.setImmediate,
  globalThis.clearImmediate,
  false,
) as typeof setImmediate;
globalThis.clearTimeout = untrack(globalThis.clearTimeout);
globalThis.clearInterval = untrack(globalThis.clearInterval);
globalThis.clearImmediate = untrack(globalThis.clearImmediate);

/** Functions are known by their definition ("" for the app's) and their path in it. */
function invokerKey(definition: string, path: string): string {
  return `${definition}\u0000${path}`;
}

/**
 * `process.env` as functions see it (the bundle reads this object instead of the real one): in
 * an execution, its component's environment, the app's being the deployment's; while modules
 * load, the environment of what loads. A component definition's `convex.config` may read none,
 * as in Convex.
 */
let importEnv: Record<string, string> | "componentDefinition" = {};
const componentEnv: Record<string, Record<string, string>> = { "": { ...init.bundle.env }, ...init.bundle.componentEnv };

function currentEnv(): Record<string, string> {
  const store = execution.getStore();
  if (store !== undefined) return store.env;
  if (importEnv === "componentDefinition") {
    throw new Error(
      "Environment variables are only supported in the app's convex.config.ts. Learn more at https://docs.convex.dev/components/authoring#environment-variables",
    );
  }
  return importEnv;
}

const envProxy = new Proxy<Record<string, string>>(
  {},
  {
    get: (_, key) => (typeof key === "string" ? currentEnv()[key] : undefined),
    set: (_, key, value: unknown) => {
      if (typeof key === "string") currentEnv()[key] = String(value);
      return true;
    },
    has: (_, key) => typeof key === "string" && key in currentEnv(),
    deleteProperty: (_, key) => typeof key !== "string" || delete currentEnv()[key],
    ownKeys: () => Object.keys(currentEnv()),
    getOwnPropertyDescriptor: (_, key) => {
      const value = typeof key === "string" ? currentEnv()[key] : undefined;
      return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
    },
  },
);

/** Which definition path each evaluated `convex.config` was, and its name: what `app.use()` receives for it. */
const evaluatedDefinitions = new Map<string, { defaultName: string }>();
(globalThis as Record<symbol, unknown>)[Symbol.for("convex.localBackend.componentDefinition")] = (path: string) => {
  const evaluated = evaluatedDefinitions.get(path);
  if (!evaluated) throw new Error(`The component definition ${path} is used before it was evaluated`);
  return { componentDefinitionPath: path, defaultName: evaluated.defaultName };
};

/** Evaluates each `convex.config` (children first) and reports what its definition exports. */
async function evaluateConfigs(): Promise<Record<string, JSONValue>> {
  const definitions: Record<string, JSONValue> = {};
  for (const config of init.bundle.configs) {
    importEnv = config.definitionPath === "" ? componentEnv[""]! : "componentDefinition";
    const mod = (await import(pathToFileURL(config.file).href)) as { default?: unknown };
    const definition = mod.default as { export?: () => JSONValue; _name?: unknown } | undefined;
    if (typeof definition?.export !== "function") {
      throw new Error(
        config.definitionPath === ""
          ? "convex.config.ts must default-export the app: `export default defineApp()`"
          : `The convex.config of ${config.definitionPath} must default-export its component: \`export default defineComponent("name")\``,
      );
    }
    const analysis = definition.export();
    definitions[config.definitionPath] = analysis;
    const name = (analysis as { name?: unknown }).name;
    if (config.definitionPath !== "") evaluatedDefinitions.set(config.definitionPath, { defaultName: String(name) });
  }
  return definitions;
}

function run(message: Extract<ToWorker, { type: "invoke" }>): void {
  execute(message.exec, message.component, message.path.slice(0, message.path.lastIndexOf(":")), message.settle === true, () => {
    const invoke = invokers.get(invokerKey(message.definition, message.path));
    if (!invoke) throw new Error(`The worker has no function ${message.path}`);
    return invoke(message.args, message.requestId);
  });
}

/** Convex's answer to a path no route matches (convex-backend crates/isolate/src/environment/action/mod.rs). */
const NO_MATCHING_ROUTE = "No matching routes found";

/**
 * Routes a request as Convex does (the router's `lookup` on the URL's path, HEAD as GET), runs
 * the handler, and sends its response back as it is produced: the head, then each body chunk.
 */
async function serveHttp({ exec, request }: Extract<ToWorker, { type: "invokeHttp" }>): Promise<string> {
  const respond = (part: HttpResponsePart) => post({ type: "httpResponse", exec, part });
  const match = httpRouter?.lookup(new URL(request.url).pathname, request.method) ?? null;
  if (!match) {
    respond({ kind: "head", status: 404, headers: [["content-type", "text/plain; charset=utf-8"]] });
    respond({ kind: "chunk", bytes: new TextEncoder().encode(NO_MATCHING_ROUTE) });
    return "null";
  }
  const aborted = abortOf(exec);
  try {
    return await respondWith(
      await match[0].invokeHttpAction(
        new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: aborted.signal,
        }),
      ),
      respond,
    );
  } finally {
    httpAborts.delete(exec);
  }
}

/** Sends a handler's response back: its head, then its body's chunks as they come. */
async function respondWith(response: unknown, respond: (part: HttpResponsePart) => void): Promise<string> {
  // Convex's wording (its udf-runtime's convexJsonFromResponse).
  if (!(response instanceof Response)) throw new Error("HTTP actions must return a Response");
  const headers = [...response.headers];
  // As Convex does, a body whose size is known up front is sent with its length.
  const length = knownLength(response);
  if (length !== null && !response.headers.has("content-length")) headers.push(["content-length", String(length)]);
  respond({ kind: "head", status: response.status, headers });
  if (response.body) {
    const reader = response.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) respond({ kind: "chunk", bytes: read.value });
  }
  return "null";
}

/**
 * The size of a Response's body when it was made from a string, buffer, Blob or form (null for a
 * stream or no body), which Convex's Response keeps. Node's keeps it in undici's internal state.
 */
function knownLength(response: Response): number | null {
  const state = Object.getOwnPropertySymbols(response).find((symbol) => symbol.description === "state");
  const body = state
    ? (response as unknown as Record<symbol, { body?: { length?: unknown } | null } | undefined>)[state]?.body
    : null;
  return typeof body?.length === "number" ? body.length : null;
}

/** The router `convex/http.ts` default-exports; anything else fails the load with Convex's wording. */
function routerOf(mod: Record<string, unknown>): HttpRouterExport {
  if (!("default" in mod)) throw new Error("`convex/http.js` must have a default export of a Router.");
  const router = mod.default as { isRouter?: unknown } | null;
  if ((typeof router !== "object" && typeof router !== "function") || router === null || router.isRouter !== true) {
    throw new Error("The default export of `convex/http.js` is not a Router.");
  }
  return router as HttpRouterExport;
}

async function load(): Promise<void> {
  const { bundle } = init;
  (globalThis as Record<string, unknown>)[bundle.envGlobal] = envProxy;
  const definitions = await evaluateConfigs();
  const functions: FunctionMetadata[] = [];
  const schemas: Record<string, string> = {};
  let authProviders: AuthProviderConfig[] = [];
  let crons: string | null = null;
  const builds = [{ path: "", dir: ".", modules: bundle.modules }, ...bundle.definitions];
  for (const build of builds) {
    // A component's modules see only what Convex gives every component while they load.
    importEnv = build.path === "" ? componentEnv[""]! : {};
    for (const moduleName of build.modules) {
      const file = join(bundle.buildDir, build.dir, `${moduleName}.mjs`);
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      if (moduleName === "schema") {
        const def = mod.default as { export?: () => string } | undefined;
        if (def?.export) schemas[build.path] = def.export();
        continue;
      }
      if (moduleName === "auth.config" && build.path === "") {
        const config = mod.default as { providers?: AuthProviderConfig[] } | undefined;
        authProviders = config?.providers ?? [];
        continue;
      }
      if (moduleName === "crons" && build.path === "") {
        crons = cronsExport(mod);
        continue;
      }
      // The app's http.ts may export functions beside its router, as any module.
      if (moduleName === "http" && build.path === "") httpRouter = routerOf(mod);
      if (NON_FUNCTION_MODULES.has(moduleName)) continue;
      for (const [exportName, value] of Object.entries(mod)) {
        const fn = value as RegisteredExport | null;
        if (typeof fn !== "function" && (typeof fn !== "object" || fn === null)) continue;
        const kind: FunctionKind | null = fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : null;
        if (!kind) continue;
        const path = `${moduleName}:${exportName}`;
        functions.push({
          definition: build.path,
          path,
          kind,
          visibility: fn.isPublic ? "public" : "internal",
          args: fn.exportArgs?.() ?? null,
          returns: fn.exportReturns?.() ?? null,
        });
        invokers.set(invokerKey(build.path, path), (args, requestId) => {
          if (kind === "query") return fn.invokeQuery!(args);
          if (kind === "mutation") return fn.invokeMutation!(args);
          return fn.invokeAction!(requestId, args);
        });
      }
    }
  }
  importEnv = componentEnv[""]!;
  idleResources = countResources();
  post({ type: "ready", metadata: { functions, schemas, authProviders, definitions, crons, httpRouter: httpRouter !== null } });
}

/** crons.ts's jobs as JSON, its default export refused as Convex's analysis refuses it (isolate/src/environment/analyze.rs). */
function cronsExport(mod: Record<string, unknown>): string {
  if (!("default" in mod)) throw new Error("`convex/crons.js` must have a default export of a Crons object.");
  const crons = mod.default;
  // Convex's own wording, "Router" included.
  if (crons === null || crons === undefined) throw new Error("The default export of `convex/cron.js` is not a Router.");
  const { isCrons, export: exportJobs } = Object(crons) as { isCrons?: unknown; export?: unknown };
  if (isCrons !== true) throw new Error("The default export of `convex/crons.js` is not a Crons object.");
  if (typeof exportJobs !== "function") throw new Error(".export property on Crons object not found");
  return String(exportJobs.call(crons));
}

const loading = load();
loading.catch((error: unknown) => post({ type: "loadError", error: toWire(error) }));

port.on("message", (message: ToWorker) => {
  if (message.type === "invoke") return run(message);
  if (message.type === "invokeHttp") return execute(message.exec, "", "http", message.settle === true, () => serveHttp(message));
  // A request whose handler already ended has nothing left to abort.
  if (message.type === "abortHttp") return running.has(message.exec) ? abortOf(message.exec).abort() : undefined;
  const pending = pendingAsync.get(message.id);
  if (!pending) return;
  pendingAsync.delete(message.id);
  if (message.ok) pending.resolve(message.json);
  else pending.reject(asyncSyscallError(message));
});
