/**
 * `ctx.scheduler`: jobs are documents in `_scheduled_functions`, inserted by the scheduling
 * transaction (so a failed mutation schedules nothing) and armed as timers once it commits.
 * A scheduled mutation commits together with its job's completion (it runs exactly once);
 * actions go pending → inProgress → success/failed. On restart, pending jobs are re-armed and
 * actions that were running are marked failed. Each component has its own jobs table (the
 * scheduling function's); a job naming another component's function (through a reference or a
 * handle) keeps that component in a field user code does not see, as Convex does not show it.
 */
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { Caller } from "./auth";
import type { Database } from "../database/database";
import { splitTableName } from "../database/namespaces";
import { ComponentFunctionPath, type LoadedFunction } from "./modules";
import { Transaction } from "../database/transaction";
import type { Doc } from "../database/values";
import { withoutRequestLine } from "./worker-protocol";

const JOBS_TABLE = "_scheduled_functions";
/** A job's target component, when it is not the app (hidden from user code). */
const TARGET_COMPONENT_FIELD = "_component";

/** Whether a table (by qualified name) is the app's or a component's jobs table. */
export function isJobTable(table: string): boolean {
  return splitTableName(table).table === JOBS_TABLE;
}

/** A failed job records the function's own error, without Convex's "[Request ID: …] Server Error" line. */
export function jobError(error: unknown): string {
  return withoutRequestLine(error instanceof Error ? error.message : String(error));
}

/**
 * Convex's error for a due job naming a query, quotes and line break included (convex-backend
 * crates/application/src/scheduled_jobs/mod.rs: a raw string spanning two lines).
 */
function unsupportedJobError(fn: LoadedFunction): string {
  const colon = fn.path.lastIndexOf(":");
  const inComponent = fn.component === "" ? "" : ` in '${fn.component}'`;
  return (
    `Unsupported function type. FunctionName(${JSON.stringify(fn.path.slice(colon + 1))}) in module "${fn.path.slice(0, colon)}.js"${inComponent} is defined as a Query. "\n` +
    `                            "Only Mutation and Action can be scheduled.`
  );
}

/** What the scheduler needs from whatever runs functions (the Runtime). */
export interface SchedulerHost {
  readonly db: Database;
  functionOf(component: string, path: string): LoadedFunction | undefined;
  /** Runs `task` on the one-at-a-time executor. */
  serial<T>(task: () => Promise<T>): Promise<T>;
  /** Runs and commits a mutation now (inside `serial`); `extra` adds writes to its commit. */
  mutationInTask(
    udfPath: unknown,
    args: JSONValue,
    caller: Caller,
    extra?: (tx: Transaction, value: JSONValue, logLines: string[]) => void,
  ): Promise<unknown>;
  commit(tx: Transaction): bigint;
  runAction(udfPath: unknown, args: JSONValue, caller: Caller): Promise<unknown>;
}

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly host: SchedulerHost) {}

  /**
   * Schedules `fn` in the jobs table of `tx`'s namespace (the scheduling function's component).
   * As in Convex, any function may be scheduled; a query's job fails when it is due.
   */
  schedule(tx: Transaction, fn: LoadedFunction, args: Record<string, unknown>): JSONValue {
    const tsSeconds = typeof args.ts === "number" ? args.ts : Date.now() / 1000;
    const fnArgs = jsonToConvex(args.args as JSONValue);
    const id = tx.insert(
      JOBS_TABLE,
      {
        name: fn.path,
        args: [fnArgs],
        scheduledTime: tsSeconds * 1000,
        state: { kind: "pending" },
        ...(fn.component !== "" ? { [TARGET_COMPONENT_FIELD]: fn.component } : {}),
      },
      true,
    );
    return id;
  }

  cancel(tx: Transaction, id: string): void {
    const job = tx.get(id, JOBS_TABLE, true);
    if (!job) return;
    const state = job.state as { kind: string };
    if (state.kind === "pending" || state.kind === "inProgress") {
      tx.systemPatch(id, JOBS_TABLE, { state: { kind: "canceled" }, completedTime: Date.now() });
    }
  }

  /**
   * Ends a job in `state`, unless it was canceled meanwhile (also by its own function): as in
   * Convex, completing a canceled job leaves it canceled (convex-backend crates/model/src/
   * scheduled_jobs/mod.rs, `complete`).
   */
  private complete(tx: Transaction, namespace: string, id: string, state: Value): void {
    tx.namespace = namespace;
    const job = tx.get(id, JOBS_TABLE, true);
    if (!job || (job.state as { kind: string }).kind === "canceled") return;
    tx.systemPatch(id, JOBS_TABLE, { state, completedTime: Date.now() });
  }

  /** Arms the timer of a job of `table` (the app's or a component's jobs table, by qualified name). */
  arm(job: Doc, table: string): void {
    const id = job._id as string;
    const state = job.state as { kind: string };
    const existing = this.timers.get(id);
    if (existing) clearTimeout(existing);
    this.timers.delete(id);
    if (state.kind !== "pending" || this.closed) return;
    const delay = Math.max(0, (job.scheduledTime as number) - Date.now());
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        void this.runScheduledJob(id, table).catch((error: unknown) =>
          console.error(`[local-backend] scheduled job ${id}:`, error),
        );
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    timer.unref();
    this.timers.set(id, timer);
  }

  /** Re-arms pending jobs after a restart; actions that were running when it stopped failed. */
  resume(): Promise<void> {
    return this.host.serial(async () => {
      const tx = new Transaction(this.host.db, { writable: true, journal: null });
      for (const table of this.host.db.tables()) {
        if (!isJobTable(table.name)) continue;
        tx.namespace = splitTableName(table.name).namespace;
        for (const job of table.docs.values()) {
          const kind = (job.state as { kind: string }).kind;
          if (kind === "pending") this.arm(job, table.name);
          else if (kind === "inProgress") {
            tx.systemPatch(job._id as string, JOBS_TABLE, {
              state: { kind: "failed", error: "Transient error while executing action: the backend stopped" },
              completedTime: Date.now(),
            });
          }
        }
      }
      this.host.commit(tx);
    });
  }

  private async runScheduledJob(id: string, table: string): Promise<void> {
    if (this.closed) return;
    const caller: Caller = { identity: null, allowInternal: true };
    const { namespace } = splitTableName(table);
    const started = await this.host.serial(async () => {
      const job = this.host.db.table(table)?.docs.get(id);
      if (!job || (job.state as { kind: string }).kind !== "pending") return null;
      const target = new ComponentFunctionPath((job[TARGET_COMPONENT_FIELD] as string | undefined) ?? "", job.name as string);
      const args = convexToJson((job.args as Value[])[0] ?? {});
      const fn = this.host.functionOf(target.component, target.path);
      if (fn?.kind === "query") {
        const tx = new Transaction(this.host.db, { writable: true, journal: null });
        this.complete(tx, namespace, id, { kind: "failed", error: unsupportedJobError(fn) });
        this.host.commit(tx);
        return null;
      }
      if (fn?.kind === "mutation") {
        // The mutation and its job's completion commit together: it runs exactly once.
        try {
          await this.host.mutationInTask(target, args, caller, (tx) => this.complete(tx, namespace, id, { kind: "success" }));
        } catch (error) {
          const tx = new Transaction(this.host.db, { writable: true, journal: null });
          this.complete(tx, namespace, id, { kind: "failed", error: jobError(error) });
          this.host.commit(tx);
        }
        return null;
      }
      const tx = new Transaction(this.host.db, { writable: true, journal: null, namespace });
      tx.systemPatch(id, JOBS_TABLE, { state: { kind: "inProgress" } });
      this.host.commit(tx);
      return { target, args };
    });
    if (!started) return;
    let state: Value;
    try {
      await this.host.runAction(started.target, started.args, caller);
      state = { kind: "success" };
    } catch (error) {
      state = { kind: "failed", error: jobError(error) };
    }
    await this.host.serial(async () => {
      const tx = new Transaction(this.host.db, { writable: true, journal: null });
      this.complete(tx, namespace, id, state);
      this.host.commit(tx);
    });
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
