/**
 * Where function code runs: in worker threads (`worker.ts`), never on the main thread, so a
 * function that never yields (a CPU loop, or an async loop over syscalls) cannot stop the
 * backend from serving, and is stopped by terminating its worker. Queries and mutations run one
 * at a time on the Runtime's executor queue, so they share one long-lived worker (nested
 * `ctx.runQuery/runMutation` run in it too). Actions (and HTTP actions) run on a small pool of
 * warm workers, one action at a time each, as Convex reuses isolates: a worker is reused only
 * if the action it ran left nothing behind that could run later (`worker.ts` clears its timers
 * and drops its pending syscalls); one that crashed, timed out, still has something active or
 * grew its heap too far is terminated instead.
 */
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type { JSONValue } from "convex/values";
import { UserError } from "../database/transaction";
import {
  type AsyncSyscallFailure,
  FUNCTION_FRAMES,
  type FromWorker,
  type FunctionKind,
  type HttpRequestWire,
  type HttpResponsePart,
  type ModuleMetadata,
  type SyncReply,
  type SyscallResult,
  syscallResultText,
  type ToWorker,
  type WireError,
  type WorkerSettled,
  type WorkerBundle,
  type WorkerInit,
} from "./worker-protocol";

/** The Runtime's side of one execution: answers its syscalls and collects its log lines. */
export interface ExecutionHost {
  syscall(op: string, args: Record<string, unknown>): JSONValue;
  asyncSyscall(op: string, args: Record<string, unknown>): Promise<SyscallResult>;
  /** One of IMMEDIATE_ASYNC_SYSCALLS, answered at once; throws what `asyncSyscall` would reject with. */
  immediateSyscall(op: string, args: Record<string, unknown>): SyscallResult;
  log(level: string, line: string): void;
  /** Takes an HTTP action's response as its handler produces it (HTTP actions only). */
  respond?(part: HttpResponsePart): void;
}

/** Which function to run: its definition ("" for the app's), its path there, and the component instance it runs as. */
export interface InvocationTarget {
  definition: string;
  component: string;
  path: string;
}

/** A running invocation: its result (the function's JSON text), and a way to stop it. */
export interface Invocation {
  /** Settles once its worker has loaded the functions (a fresh worker takes a while). */
  started: Promise<unknown>;
  result: Promise<string>;
  /** Terminates the worker it runs in (and everything else running there). */
  stop(): void;
}

/** V8 heap limit of a function worker: a function that allocates without end fails alone. */
const WORKER_HEAP_MB = 512;
/** An action worker holding more than this (heap and buffers) once its action ended is not reused. */
const REUSE_MEMORY_BYTES = (WORKER_HEAP_MB / 2) * 2 ** 20;
/** At most this many warm action workers wait for the next action. */
const MAX_IDLE_ACTION_WORKERS = 2;

interface Execution {
  host: ExecutionHost;
  resolve(json: string): void;
  reject(error: unknown): void;
}

/** Rebuilds what a function threw, so the Runtime formats it exactly as if thrown in-thread. */
function fromWire(wire: WireError): unknown {
  const frames = { [FUNCTION_FRAMES]: wire.frames ?? "" };
  if (wire.convexData !== undefined) {
    return {
      [Symbol.for("ConvexError")]: true,
      name: wire.name,
      message: wire.message,
      data: wire.convexData,
      stack: wire.stack,
      ...frames,
    };
  }
  const error = wire.user ? new UserError(wire.message) : Object.assign(new Error(wire.message), { name: wire.name });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return Object.assign(error, frames);
}

function toWire(thrown: unknown): WireError {
  if (thrown instanceof Error) {
    return { name: thrown.name, message: thrown.message, ...(thrown instanceof UserError ? { user: true } : {}) };
  }
  return { name: "Error", message: String(thrown) };
}

/** One worker thread running one build of `convex/`. */
export class FunctionWorker {
  /** What the build registers; rejects if importing it failed. */
  readonly ready: Promise<ModuleMetadata>;
  private readonly worker: Worker;
  private readonly signal: Int32Array;
  private readonly syncPort: MessagePort;
  private readonly executions = new Map<number, Execution>();
  private nextExec = 0;
  private failure: unknown = null;
  /** Who waits for what the worker says with its next action's result (or for its end). */
  private settledWaiters: ((settled: WorkerSettled) => void)[] = [];

  constructor(
    workerFile: string,
    /** The build it runs. */
    readonly bundle: WorkerBundle,
  ) {
    const shared = new SharedArrayBuffer(4);
    this.signal = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.syncPort = port1;
    const init: WorkerInit = { bundle, signal: shared, syncPort: port2 };
    this.worker = new Worker(workerFile, {
      workerData: init,
      transferList: [port2],
      // The worker script is plain bundled JavaScript: it needs none of the parent's loaders.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.worker.unref();
    let onReady!: (metadata: ModuleMetadata) => void;
    let onLoadError!: (error: unknown) => void;
    this.ready = new Promise<ModuleMetadata>((resolve, reject) => {
      onReady = resolve;
      onLoadError = reject;
    });
    this.ready.catch(() => undefined);
    this.worker.on("message", (message: FromWorker) => {
      switch (message.type) {
        case "ready":
          return onReady(message.metadata);
        case "loadError": {
          const error = fromWire(message.error);
          onLoadError(error);
          return this.fail(error);
        }
        case "result": {
          // The worker goes back to its pool before the caller hears of the result.
          if (message.settled) this.notifySettled(message.settled);
          const execution = this.executions.get(message.exec);
          if (!execution) return;
          this.executions.delete(message.exec);
          if (message.ok) execution.resolve(message.json);
          else execution.reject(fromWire(message.error));
          return;
        }
        case "syscall":
          return this.answerSync(message.exec, message.op, message.args, message.async === true);
        case "asyncSyscall":
          return this.answerAsync(message.id, message.exec, message.op, message.args);
        case "log": {
          const execution = this.executions.get(message.exec);
          if (execution) execution.host.log(message.level, message.line);
          else console.log(`[${message.level}] ${message.line}`);
          return;
        }
        case "httpResponse":
          return this.executions.get(message.exec)?.host.respond?.(message.part);
        case "uncaught":
          // Whatever runs here fails with it; the thread's state is no longer trusted.
          return this.fail(fromWire(message.error));
        case "settled":
          return this.notifySettled(message.settled);
        case "tainted":
          // What runs here goes on; an idle worker is not kept (a busy one reports itself unclean).
          if (this.executions.size === 0) this.fail(new Error("The function worker stopped"));
          return;
      }
    });
    this.worker.on("error", (error: Error & { code?: string }) => {
      const failure =
        error.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? new Error(`JavaScript execution ran out of memory (maximum memory usage: ${WORKER_HEAP_MB} MB)`)
          : error;
      onLoadError(failure);
      this.fail(failure);
    });
    this.worker.on("exit", () => {
      onLoadError(new Error("The function worker exited while loading"));
      this.fail(new Error("The function worker stopped"));
    });
  }

  /** Whether it can still run functions (not crashed, stopped or terminated). */
  get alive(): boolean {
    return this.failure === null;
  }

  /** Runs a function; with `settle` (an action), its result says whether the worker can be reused (`settled()`). */
  invoke(target: InvocationTarget, args: string, requestId: string, host: ExecutionHost, settle = false): Promise<string> {
    return this.execute(host, (exec) => ({ type: "invoke", exec, ...target, args, requestId, ...(settle ? { settle } : {}) }));
  }

  /** Serves an HTTP request through `convex/http.ts`; `host.respond` gets the response; `signal` aborts the request's. */
  invokeHttp(request: HttpRequestWire, requestId: string, host: ExecutionHost, signal: AbortSignal): Promise<string> {
    let exec = -1;
    const result = this.execute(
      host,
      (id) => ({ type: "invokeHttp", exec: (exec = id), request, requestId, settle: true }),
      request.body ? [request.body] : [],
    );
    const abort = () => this.post({ type: "abortHttp", exec });
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
    return result;
  }

  private execute(host: ExecutionHost, message: (exec: number) => ToWorker, transfer: ArrayBuffer[] = []): Promise<string> {
    // What the worker failed with, as thrown (a function may throw a non-Error; it is reported as such).
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (this.failure !== null) return Promise.reject(this.failure);
    const exec = this.nextExec++;
    return new Promise<string>((resolve, reject) => {
      this.executions.set(exec, { host, resolve, reject });
      this.post(message(exec), transfer);
    });
  }

  /** Whether the worker can be reused, as it says with its next action's result; not clean if it fails or stops first. */
  settled(): Promise<WorkerSettled> {
    if (this.failure !== null) return Promise.resolve({ clean: false, memoryBytes: 0 });
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private notifySettled(settled: WorkerSettled): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const waiter of waiters) waiter(settled);
  }

  /** Fails every execution in it with `error` and terminates the thread. */
  fail(error: unknown): void {
    if (this.failure === null) this.failure = error;
    const executions = [...this.executions.values()];
    this.executions.clear();
    for (const execution of executions) execution.reject(error);
    this.notifySettled({ clean: false, memoryBytes: 0 });
    void this.worker.terminate();
  }

  async terminate(): Promise<void> {
    this.fail(new Error("The function worker stopped"));
    await this.worker.terminate();
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failure === null) this.worker.postMessage(message, transfer);
  }

  private answerSync(exec: number, op: string, args: string, async: boolean): void {
    let reply: SyncReply;
    const execution = this.executions.get(exec);
    try {
      if (!execution) throw new UserError("This function execution has already ended.");
      const parsed = JSON.parse(args) as Record<string, unknown>;
      const value = async ? execution.host.immediateSyscall(op, parsed) : execution.host.syscall(op, parsed);
      reply = { ok: true, json: syscallResultText(value) };
    } catch (error) {
      reply = async ? { ok: false, asyncError: asyncFailure(error) } : { ok: false, error: toWire(error) };
    }
    this.syncPort.postMessage(reply);
    Atomics.store(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }

  private answerAsync(id: number, exec: number, op: string, args: string): void {
    const execution = this.executions.get(exec);
    const result = execution
      ? Promise.resolve().then(() => execution.host.asyncSyscall(op, JSON.parse(args) as Record<string, unknown>))
      : Promise.reject(new UserError("This function execution has already ended."));
    result.then(
      (value) => this.post({ type: "asyncResult", id, ok: true, json: syscallResultText(value) }),
      (error: unknown) => this.post({ type: "asyncResult", id, ok: false, ...asyncFailure(error) }),
    );
  }
}

/** An async syscall's failure as the function sees it: its message, and `data` for a ConvexError. */
function asyncFailure(error: unknown): AsyncSyscallFailure {
  const message = error instanceof Error ? error.message : String(error);
  const data = (error as { data?: JSONValue } | null)?.data;
  return { message, ...(data !== undefined ? { data } : {}) };
}

/** Runs functions in workers: one shared by queries and mutations, one per running action. */
export class Executor {
  private transactionWorker: FunctionWorker;
  /** Warm workers waiting for the next action, the most recently used last (started after the first action). */
  private readonly idleActionWorkers: FunctionWorker[] = [];
  /** Workers running an action. */
  private readonly actionWorkers = new Set<FunctionWorker>();
  private closed = false;

  constructor(
    private readonly workerFile: string,
    private bundle: WorkerBundle,
    /** A worker already running this bundle (the one the loader read the functions from). */
    first: FunctionWorker,
  ) {
    this.transactionWorker = first;
  }

  /** Switches to a new build; actions still running finish on the code they started with. */
  setBundle(bundle: WorkerBundle, first: FunctionWorker): void {
    this.bundle = bundle;
    void this.transactionWorker.terminate();
    this.transactionWorker = first;
    for (const worker of this.idleActionWorkers.splice(0)) void worker.terminate();
  }

  run(kind: FunctionKind, target: InvocationTarget, args: string, requestId: string, host: ExecutionHost): Invocation {
    if (kind !== "action") {
      if (!this.transactionWorker.alive && !this.closed) this.transactionWorker = this.startWorker();
      const worker = this.transactionWorker;
      return {
        started: worker.ready,
        result: worker.invoke(target, args, requestId, host),
        stop: () => {
          worker.fail(new Error("The function worker was stopped"));
          // Start the replacement now, so the next query does not wait for it.
          if (worker === this.transactionWorker && !this.closed) this.transactionWorker = this.startWorker();
        },
      };
    }
    return this.onActionWorker((worker) => worker.invoke(target, args, requestId, host, true));
  }

  /** Serves an HTTP action's request on an action worker, as an action runs. */
  runHttp(request: HttpRequestWire, requestId: string, host: ExecutionHost, signal: AbortSignal): Invocation {
    return this.onActionWorker((worker) => worker.invokeHttp(request, requestId, host, signal));
  }

  /** Runs an action on a warm idle worker (or a new one), one action at a time per worker. */
  private onActionWorker(invoke: (worker: FunctionWorker) => Promise<string>): Invocation {
    const worker = this.takeIdleActionWorker() ?? this.startWorker();
    this.actionWorkers.add(worker);
    void worker.settled().then((settled) => this.release(worker, settled));
    const result = invoke(worker);
    // Its caller may not listen yet (it waits for the worker to load) when a stop fails it.
    result.catch(() => undefined);
    // One is kept started ahead, so that an action arriving meanwhile need not wait for a start.
    if (!this.closed && this.idleActionWorkers.length === 0) this.idleActionWorkers.push(this.startWorker());
    return { started: worker.ready, result, stop: () => worker.fail(new Error("The function worker was stopped")) };
  }

  private takeIdleActionWorker(): FunctionWorker | null {
    for (let worker = this.idleActionWorkers.pop(); worker; worker = this.idleActionWorkers.pop()) {
      if (worker.alive) return worker;
    }
    return null;
  }

  /** After its action: back to the idle pool if nothing of the action is left in it, otherwise terminated. */
  private release(worker: FunctionWorker, { clean, memoryBytes }: WorkerSettled): void {
    this.actionWorkers.delete(worker);
    // Idle ones found unclean meanwhile (`tainted`) are gone.
    for (let i = this.idleActionWorkers.length - 1; i >= 0; i--) {
      if (!this.idleActionWorkers[i]!.alive) this.idleActionWorkers.splice(i, 1);
    }
    const reusable = clean && worker.alive && !this.closed && worker.bundle === this.bundle && memoryBytes < REUSE_MEMORY_BYTES;
    if (!reusable) return void worker.terminate();
    this.idleActionWorkers.push(worker);
    // The pool keeps the most recently used.
    if (this.idleActionWorkers.length > MAX_IDLE_ACTION_WORKERS) void this.idleActionWorkers.shift()!.terminate();
  }

  private startWorker(): FunctionWorker {
    return new FunctionWorker(this.workerFile, this.bundle);
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [this.transactionWorker, ...this.actionWorkers, ...this.idleActionWorkers.splice(0)];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
