/**
 * Cron jobs (`convex/crons.ts`), kept and run as Convex keeps and runs them (convex-backend
 * crates/model/src/cron_jobs, crates/application/src/cron_jobs):
 * - each load of the functions brings the jobs in line with crons.ts, by name: new ones are
 *   added, changed ones updated (a changed schedule is re-timed unless the old one runs again
 *   within 30 s), removed ones deleted with their logs;
 * - a job is a `_cron_jobs` document with its `_cron_next_run` (state, previous and next run)
 *   and its last five runs in `_cron_job_logs`: system tables that functions cannot read, as on
 *   Convex (only `_scheduled_functions` and `_storage` are visible to them);
 * - a due job runs its mutation or action as a scheduled function runs, with no identity; a
 *   mutation commits together with its log entry and its next run, so it runs exactly once; an
 *   action is marked in progress first, so one interrupted by a stop is failed (never re-run);
 * - at most one run of a job at a time; a failed run is logged and the next one still scheduled;
 * - runs missed while the backend was down: the job runs once when it starts, and the runs it
 *   missed before that are skipped, logged as canceled.
 */
import { randomUUID } from "node:crypto";
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { Doc } from "../../database/values";
import { Transaction } from "../../database/transaction";
import { canonicalPath, type LoadedModules } from "../../runtime/modules";
import { FunctionError, type Caller, type Runtime } from "../../runtime/runtime";
import { jobError } from "../../runtime/scheduler";
import { systemClock, type CronClock } from "./clock";
import { cronSpecs, nextRunMs, sameSchedule, sameSpec, type CronSchedule, type CronSpec, type NextRunOptions } from "./schedule";

export type { CronClock } from "./clock";

const JOBS = "_cron_jobs";
const NEXT_RUNS = "_cron_next_run";
const LOGS = "_cron_job_logs";
/** Runs kept per job in `_cron_job_logs`, and what a log keeps of a run's result and console lines. */
const MAX_LOGS_PER_JOB = 5;
const MAX_RESULT_CHARS = 1000;
const MAX_LOG_LINE_CHARS = 1000;
/** A changed schedule keeps the old next run if the old schedule would run twice within this. */
const RETIME_THRESHOLD_MS = 30_000;
/** Cron jobs run as the scheduler runs functions: no user, internal functions allowed. */
const CALLER: Caller = { identity: null, allowInternal: true };

type RunState = { type: "pending" } | { type: "inProgress"; requestId: string; executionId: string };

interface Job {
  id: string;
  name: string;
  spec: CronSpec;
  nextRunId: string;
  state: RunState;
  nextMs: number;
}

const toNs = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;
const toMs = (ns: Value) => Number((ns as bigint) / 1_000_000n);

function specValue(spec: CronSpec): Value {
  return {
    udfPath: spec.udfPath,
    udfArgs: new TextEncoder().encode(JSON.stringify(spec.udfArgs)).buffer,
    cronSchedule: spec.cronSchedule as Record<string, Value>,
  };
}

function specOf(value: Value): CronSpec {
  const spec = value as { udfPath: string; udfArgs: ArrayBuffer; cronSchedule: CronSchedule };
  return {
    udfPath: spec.udfPath,
    udfArgs: JSON.parse(new TextDecoder().decode(spec.udfArgs)) as JSONValue[],
    cronSchedule: spec.cronSchedule,
  };
}

/** Checks crons.ts in a build as a push checks it (the ModuleLoader's validation of a new build). */
export function checkCronJobs(modules: LoadedModules): void {
  cronSpecs(modules.crons, modules.functions);
}

export interface CronJobsOptions {
  clock?: CronClock;
  /** Convex's CRON_SPLAY_SECONDS (see NextRunOptions); default 60. */
  splaySeconds?: number;
  log: (message: string) => void;
}

export class CronJobs {
  private readonly clock: CronClock;
  private readonly timing: NextRunOptions;
  private readonly running = new Set<string>();
  private cancelWake: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly options: CronJobsOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.timing = { splaySeconds: options.splaySeconds ?? 60, random: Math.random };
    // What Convex's dashboard reads (system-udfs convex/_system/frontend/listCronJobs.ts, listCronJobRuns.ts).
    runtime.registerSystemQuery("_system/frontend/listCronJobs", (tx) => {
      const nextRuns = tx.systemScan(NEXT_RUNS);
      const logs = newestFirst(tx.systemScan(LOGS));
      return tx.systemScan(JOBS).map((job) => ({
        ...job,
        lastRun: logs.find((log) => log.name === job.name) ?? null,
        nextRun: nextRuns.find((run) => run.cronJobId === job._id) ?? null,
      }));
    });
    runtime.registerSystemQuery("_system/frontend/listCronJobRuns", (tx) => tx.systemScan(LOGS));
  }

  /** Brings the jobs in line with `modules`' crons.ts; call inside the executor task that switches to them. */
  async apply(modules: LoadedModules): Promise<void> {
    const specs = cronSpecs(modules.crons, modules.functions);
    const now = this.clock.now();
    const tx = new Transaction(this.runtime.db, { writable: true, journal: null });
    const existing = new Map(
      this.jobs()
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((job) => [job.name, job]),
    );
    const changes = { added: [] as string[], updated: [] as string[], deleted: [] as string[] };
    for (const [name, spec] of specs) {
      const job = existing.get(name);
      if (!job) {
        const id = tx.insert(JOBS, { name, cronSpec: specValue(spec) }, true);
        tx.insert(
          NEXT_RUNS,
          {
            cronJobId: id,
            state: { type: "pending" },
            prevTs: null,
            nextTs: toNs(nextRunMs(spec.cronSchedule, null, now, this.timing)),
          },
          true,
        );
        changes.added.push(name);
      } else if (!sameSpec(job.spec, spec)) {
        if (!sameSchedule(job.spec.cronSchedule, spec.cronSchedule) && this.retime(job.spec.cronSchedule, now)) {
          tx.systemPatch(job.nextRunId, NEXT_RUNS, { nextTs: toNs(nextRunMs(spec.cronSchedule, null, now, this.timing)) });
        }
        tx.systemPatch(job.id, JOBS, { cronSpec: specValue(spec) });
        changes.updated.push(name);
      }
    }
    for (const job of existing.values()) {
      if (specs.has(job.name)) continue;
      tx.systemDelete(job.id, JOBS);
      tx.systemDelete(job.nextRunId, NEXT_RUNS);
      this.trimLogs(tx, job.name, 0);
      changes.deleted.push(job.name);
    }
    this.runtime.commit(tx);
    const said = Object.entries(changes).filter(([, names]) => names.length > 0);
    if (said.length > 0) this.options.log(`cron jobs ${said.map(([what, names]) => `${what}: ${names.join(", ")}`).join("; ")}`);
    this.arm();
  }

  /** Whether the old schedule's next run is far enough off for a new schedule to take over (Convex's heuristic). */
  private retime(old: CronSchedule, now: number): boolean {
    const next = nextRunMs(old, null, now, this.timing);
    return nextRunMs(old, next, next, this.timing) - now > RETIME_THRESHOLD_MS;
  }

  /** Every job with its next run, read from the committed tables. */
  private jobs(): Job[] {
    const nextRuns = new Map<string, Doc>();
    for (const run of this.runtime.db.table(NEXT_RUNS)?.docs.values() ?? []) nextRuns.set(run.cronJobId as string, run);
    const jobs: Job[] = [];
    for (const doc of this.runtime.db.table(JOBS)?.docs.values() ?? []) {
      const run = nextRuns.get(doc._id as string);
      if (!run) continue;
      jobs.push({
        id: doc._id as string,
        name: doc.name as string,
        spec: specOf(doc.cronSpec as Value),
        nextRunId: run._id as string,
        state: run.state as RunState,
        nextMs: toMs(run.nextTs as Value),
      });
    }
    return jobs;
  }

  private job(id: string): Job | null {
    return this.jobs().find((job) => job.id === id) ?? null;
  }

  /** Whether the job is still as a run started with it (not changed, re-timed or deleted meanwhile). */
  private unchanged(job: Job): boolean {
    const now = this.job(job.id);
    return (
      now !== null &&
      now.nextMs === job.nextMs &&
      now.state.type === job.state.type &&
      (now.state.type !== "inProgress" || job.state.type !== "inProgress" || now.state.executionId === job.state.executionId) &&
      sameSpec(now.spec, job.spec)
    );
  }

  /** Waits for the earliest next run of the jobs not running now. */
  private arm(): void {
    this.cancelWake?.();
    this.cancelWake = null;
    if (this.closed) return;
    const waiting = this.jobs().filter((job) => !this.running.has(job.id));
    if (waiting.length === 0) return;
    const earliest = Math.min(...waiting.map((job) => job.nextMs));
    this.cancelWake = this.clock.wakeAt(earliest, () => {
      this.cancelWake = null;
      this.startDue();
    });
  }

  private startDue(): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (const job of this.jobs().sort((a, b) => a.nextMs - b.nextMs)) {
      if (job.nextMs > now || this.running.has(job.id)) continue;
      this.running.add(job.id);
      void this.execute(job)
        .catch((error: unknown) => this.options.log(`cron job '${job.name}' could not run: ${String(error)}`))
        .finally(() => {
          this.running.delete(job.id);
          this.arm();
        });
    }
    this.arm();
  }

  private async execute(job: Job): Promise<void> {
    if (job.state.type === "inProgress") {
      // An action that a stop (or a change to its job) cut off: as on Convex, it is not run
      // again but logged as failed, and the job's next run scheduled.
      await this.runtime.writeTransaction((tx) => {
        if (this.closed || !this.unchanged(job)) return;
        this.insertLog(tx, job, { type: "err", error: "Transient error while executing action" }, [], 0);
        this.completeRun(tx, job);
      });
      return;
    }
    const path = canonicalPath(job.spec.udfPath);
    const args = (job.spec.udfArgs[0] ?? {}) as JSONValue;
    if (this.runtime.functions.get(path)?.kind === "mutation") {
      await this.runtime.serial(async () => {
        if (this.closed || !this.unchanged(job)) return;
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          // The mutation, its log entry and its next run commit together.
          await this.runtime.mutationInTask(path, args, CALLER, (tx, value, logLines) => {
            this.insertLog(tx, job, { type: "success", result: resultValue(value) }, logLines, seconds());
            this.completeRun(tx, job);
          });
        } catch (error) {
          this.failed(job, error);
          const tx = new Transaction(this.runtime.db, { writable: true, journal: null });
          this.insertLog(tx, job, { type: "err", error: jobError(error) }, logLinesOf(error), seconds());
          this.completeRun(tx, job);
          this.runtime.commit(tx);
        }
      });
      return;
    }
    // An action: in progress first, so that a stop during it ends it as failed rather than running it twice.
    const inProgress = await this.runtime.writeTransaction((tx) => {
      if (this.closed || !this.unchanged(job)) return null;
      const state: RunState = { type: "inProgress", requestId: randomUUID(), executionId: randomUUID() };
      tx.systemPatch(job.nextRunId, NEXT_RUNS, { state });
      return { ...job, state };
    });
    if (!inProgress) return;
    const started = performance.now();
    let status: Value;
    let logLines: string[];
    try {
      const outcome = await this.runtime.runAction(path, args, CALLER);
      status = { type: "success", result: resultValue(outcome.value) };
      logLines = outcome.logLines;
    } catch (error) {
      this.failed(job, error);
      status = { type: "err", error: jobError(error) };
      logLines = logLinesOf(error);
    }
    const seconds = (performance.now() - started) / 1000;
    await this.runtime.writeTransaction((tx) => {
      // A job changed or deleted while its action ran is left as it now is (as on Convex).
      if (this.closed || !this.unchanged(inProgress)) return;
      this.insertLog(tx, inProgress, status, logLines, seconds);
      this.completeRun(tx, inProgress);
    });
  }

  private failed(job: Job, error: unknown): void {
    this.options.log(`cron job '${job.name}' (${job.spec.udfPath}) failed: ${jobError(error).trimEnd()}`);
  }

  /**
   * Schedules the run after `job`'s: from its scheduled time, skipping (and logging as canceled)
   * runs already in the past, so a backend that was down catches up with one run, not many.
   */
  private completeRun(tx: Transaction, job: Job): void {
    const now = this.clock.now();
    let next = nextRunMs(job.spec.cronSchedule, job.nextMs, now, this.timing);
    const firstSkipped = next;
    let skipped = 0;
    while (next < now) {
      skipped++;
      next = nextRunMs(job.spec.cronSchedule, next, now, this.timing);
    }
    if (skipped > 0) {
      this.options.log(`Skipping ${skipped} run(s) of job ${job.id} because multiple scheduled runs are in the past`);
      this.insertLog(tx, { ...job, nextMs: firstSkipped }, { type: "canceled", num_canceled: BigInt(skipped) }, [], 0);
    }
    tx.systemPatch(job.nextRunId, NEXT_RUNS, { state: { type: "pending" }, prevTs: toNs(job.nextMs), nextTs: toNs(next) });
  }

  private insertLog(tx: Transaction, job: Job, status: Value, logLines: string[], executionTime: number): void {
    const kept: string[] = [];
    let size = 0;
    for (const line of logLines) {
      if (size + line.length > MAX_LOG_LINE_CHARS) break;
      kept.push(line);
      size += line.length;
    }
    tx.insert(
      LOGS,
      {
        name: job.name,
        ts: toNs(job.nextMs),
        udfPath: job.spec.udfPath,
        udfArgs: new TextEncoder().encode(JSON.stringify(job.spec.udfArgs)).buffer,
        status,
        logLines: { logLines: kept, isTruncated: kept.length < logLines.length },
        executionTime,
      },
      true,
    );
    this.trimLogs(tx, job.name, MAX_LOGS_PER_JOB);
  }

  /** Keeps the `keep` newest logs of a job. */
  private trimLogs(tx: Transaction, name: string, keep: number): void {
    const logs = newestFirst([...(this.runtime.db.table(LOGS)?.docs.values() ?? [])].filter((log) => log.name === name));
    for (const log of logs.slice(keep)) tx.systemDelete(log._id as string, LOGS);
  }

  /** Starts no more runs and records none; runs under way end with the runtime (actions stop with their workers). */
  close(): void {
    this.closed = true;
    this.cancelWake?.();
    this.cancelWake = null;
  }
}

/** Logs by their run's time, newest first (Convex's `by_name_and_ts` index read backwards). */
function newestFirst(logs: Doc[]): Doc[] {
  const key = (log: Doc): [bigint, number] => [log.ts as bigint, log._creationTime as number];
  return logs.sort((a, b) => {
    const [[tsA, createdA], [tsB, createdB]] = [key(a), key(b)];
    return tsA === tsB ? createdB - createdA : tsB > tsA ? 1 : -1;
  });
}

/** What a log keeps of a run's result: the value, or its first 1,000 characters when longer. */
function resultValue(value: JSONValue): Value {
  const text = JSON.stringify(value);
  return text.length <= MAX_RESULT_CHARS
    ? { type: "default", value: jsonToConvex(value) }
    : { type: "truncated", truncated_log: text.slice(0, MAX_RESULT_CHARS) };
}

function logLinesOf(error: unknown): string[] {
  return error instanceof FunctionError ? error.logLines : [];
}
