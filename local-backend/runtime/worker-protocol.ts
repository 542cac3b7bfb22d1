/**
 * Messages between the main thread (Runtime, through `executor.ts`) and a function worker
 * (`worker.ts`). Function code runs only in workers, so one that never yields can be stopped
 * by terminating its worker; every syscall it makes is answered by the main thread.
 */
import type { MessagePort } from "node:worker_threads";
import type { JSONValue } from "convex/values";

export type FunctionKind = "query" | "mutation" | "action";

/** What a worker needs to load a build of `convex/`. */
export interface WorkerBundle {
  /** esbuild's output directory (one `.mjs` per module). */
  buildDir: string;
  /** The `convex/` directory the build came from (error frames name files as the CLI's build does). */
  functionsDir: string;
  /** Module names (`customers`, `lib/util`, `schema`…), relative to `buildDir` without `.mjs`. */
  modules: string[];
  /** The component definitions' modules, each built in a directory of its own (none without convex.config.ts). */
  definitions: DefinitionBuild[];
  /** The `convex.config` bundles to evaluate (children before their parents); only when analysing them. */
  configs: ConfigBuild[];
  /** The global the bundle reads `process.env` from, and its value (the deployment's env). */
  envGlobal: string;
  env: Record<string, string>;
  /** Modules with the "use node" directive: their actions fail as Convex's Node runtime fails them. */
  nodeModules: string[];
  /** `process.env` inside each component instance, by component path. */
  componentEnv: Record<string, Record<string, string>>;
}

/** A component definition's modules, built apart from the app's. */
export interface DefinitionBuild {
  /** Its path from the app's `convex/` directory, as Convex names definitions (`../node_modules/x/dist/component`). */
  path: string;
  /** Its build directory, relative to the bundle's `buildDir`. */
  dir: string;
  modules: string[];
}

/** A `convex.config` file, bundled to be evaluated. */
export interface ConfigBuild {
  /** The definition it defines: "" for the app's. */
  definitionPath: string;
  /** The bundle's absolute path. */
  file: string;
}

export interface AuthProviderConfig {
  type?: string;
  domain?: string;
  applicationID?: string;
  issuer?: string;
  jwks?: string;
  algorithm?: string;
}

/** One registered function as the worker found it (validators still as JSON text). */
export interface FunctionMetadata {
  /** The definition it belongs to ("" for the app). */
  definition: string;
  path: string;
  kind: FunctionKind;
  visibility: "public" | "internal";
  args: string | null;
  returns: string | null;
}

export interface ModuleMetadata {
  functions: FunctionMetadata[];
  /** Each definition's schema as JSON text ("" for the app's), when it has one. */
  schemas: Record<string, string>;
  authProviders: AuthProviderConfig[];
  /** What each evaluated `convex.config` exports (its `export()`), by definition path. */
  definitions: Record<string, JSONValue>;
  /** crons.ts's `export()`: its jobs as JSON text (null without crons.ts). */
  crons: string | null;
  /** Whether `convex/http.ts` default-exports a router: HTTP actions are served. */
  httpRouter: boolean;
}

/** A request for an HTTP action, as its handler's `Request` is built from it. */
export interface HttpRequestWire {
  url: string;
  method: string;
  headers: [string, string][];
  /** The whole body (none for GET, HEAD and OPTIONS, as Convex passes none). */
  body: ArrayBuffer | null;
}

/** An HTTP action's response as its handler produces it: the head, then the body's chunks. */
export type HttpResponsePart =
  { kind: "head"; status: number; headers: [string, string][] } | { kind: "chunk"; bytes: Uint8Array };

/**
 * An error crossing the thread boundary. `convexData` marks a ConvexError (its data as JSON
 * text, as `convex/server` serializes it); `user` marks the backend's own UserError.
 */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** The function's own stack frames as Convex appends them (`    at f (../convex/a.ts:1:2)\n`…). */
  frames?: string;
  convexData?: string;
  user?: boolean;
}

/** Where the main thread keeps a rebuilt error's `frames`. */
export const FUNCTION_FRAMES = Symbol("functionFrames");

/**
 * An async syscall's failure as it crosses to the worker. `data` set: a nested function's
 * ConvexError data (the function sees a ConvexError).
 */
export interface AsyncSyscallFailure {
  message: string;
  data?: JSONValue;
}

export type ToWorker =
  | {
      type: "invoke";
      exec: number;
      /** The definition whose function it is ("" for the app's), and its component instance. */
      definition: string;
      component: string;
      path: string;
      args: string;
      requestId: string;
      /** Asks for a `settled` report once nothing runs in the worker (an action's: may it be reused?). */
      settle?: true;
    }
  /** Routes a request through `convex/http.ts`'s router and runs the handler it names. */
  | { type: "invokeHttp"; exec: number; request: HttpRequestWire; requestId: string; settle?: true }
  /** The client of an HTTP action went away: its `request.signal` aborts. */
  | { type: "abortHttp"; exec: number }
  | { type: "asyncResult"; id: number; ok: true; json: string }
  | ({ type: "asyncResult"; id: number; ok: false } & AsyncSyscallFailure);

export type FromWorker =
  | { type: "ready"; metadata: ModuleMetadata }
  | { type: "loadError"; error: WireError }
  | ({ type: "result"; exec: number; settled?: WorkerSettled } & ({ ok: true; json: string } | { ok: false; error: WireError }))
  /**
   * A synchronous syscall: the worker blocks until the reply is on its sync port. `async` marks
   * an async syscall the main thread answers at once (IMMEDIATE_ASYNC_SYSCALLS), sent this way
   * to spare two event-loop hops; the function still gets a promise, settled as the async path would.
   */
  | { type: "syscall"; exec: number; op: string; args: string; async?: true }
  | { type: "asyncSyscall"; id: number; exec: number; op: string; args: string }
  | { type: "log"; exec: number; level: string; line: string }
  | { type: "httpResponse"; exec: number; part: HttpResponsePart }
  /** An exception nothing caught (a throw in a timer or event handler, an unhandled rejection). */
  | { type: "uncaught"; error: WireError }
  /**
   * The worker's state is no longer trusted, though nothing running fails: code an execution left
   * behind threw after it ended, or something it started became active once it ended.
   */
  | { type: "tainted" }
  /** Whether the worker can be reused, when it could not tell with the action's result. */
  | { type: "settled"; settled: WorkerSettled };
/**
 * What a worker says with an action's result, once nothing runs in it: `clean` unless something
 * an execution started is still active or code it left behind threw; `memoryBytes`, what its
 * JavaScript holds (heap and buffers).
 */
export interface WorkerSettled {
  clean: boolean;
  memoryBytes: number;
}

export type SyncReply =
  | { ok: true; json: string }
  | { ok: false; error: WireError }
  /** An immediate async syscall's failure, as the async path reports one. */
  | { ok: false; asyncError: AsyncSyscallFailure };

/**
 * Async syscalls (`performAsyncSyscall`) the Runtime answers without waiting on anything: reads
 * and writes of the function's own transaction, and metadata. Everything else (nested functions,
 * an action's queries and mutations) stays on the async path.
 */
export const IMMEDIATE_ASYNC_SYSCALLS: ReadonlySet<string> = new Set([
  "1.0/get",
  "1.0/queryStreamNext",
  "1.0/queryPage",
  "1.0/count",
  "1.0/insert",
  "1.0/shallowMerge",
  "1.0/replace",
  "1.0/remove",
  "1.0/getUserIdentity",
  "1.0/schedule",
  "1.0/cancel_job",
  "1.0/getFunctionMetadata",
  "1.0/getDeploymentMetadata",
  "1.0/getTransactionMetrics",
  "1.0/getRequestMetadata",
]);

/**
 * A syscall's answer already written as JSON text, sent to the worker as it is: documents read
 * from the database keep their text while they are read often (`DocumentJsonCache`).
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** A syscall's answer: a JSON value, or one already written as text. */
export type SyscallResult = JSONValue | JsonText;

/** The text a syscall's answer goes to the worker as. */
export function syscallResultText(result: SyscallResult): string {
  return result instanceof JsonText ? result.text : JSON.stringify(result);
}

/** What the worker receives as `workerData`. */
export interface WorkerInit {
  bundle: WorkerBundle;
  /** Int32Array(1) over it: the main thread sets it to 1 once a sync reply is posted. */
  signal: SharedArrayBuffer;
  syncPort: MessagePort;
}

/** What V8 says of a thrown non-Error ("foo", "#<Object>"); a worker sends it as an error without a name. */
export function describeThrown(thrown: unknown): string {
  return typeof thrown === "object" && thrown !== null
    ? `#<${(thrown as { constructor?: { name?: string } }).constructor?.name || "Object"}>`
    : String(thrown);
}

/**
 * A failed function's error as the function itself threw it: without the "[Request ID: …] Server
 * Error" line that clients get first (a failed job records it so; a calling function sees it so).
 */
export function withoutRequestLine(message: string): string {
  return message.replace(/^\[Request ID: [^\]]*\] Server Error\n/, "");
}
