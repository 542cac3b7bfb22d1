/**
 * Cron jobs (convex/crons.ts) on a clock the test moves: each schedule kind runs at its time
 * (UTC) and is re-timed to the next; interval jobs run as soon as they are deployed; a failed run
 * is recorded and the next one still scheduled; runs missed while the backend was down are
 * skipped after one catch-up run, as on Convex; changing crons.ts adds, changes and removes jobs
 * across a restart and a watch reload. Jobs are read as Convex's dashboard reads them, through
 * the admin-only `_system/frontend/listCronJobs` and `listCronJobRuns` queries.
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock, type CronClock } from "../../local-backend/features/crons/clock";
import { CronExpression } from "../../local-backend/features/crons/cron-expression";
import { nextRunMs } from "../../local-backend/features/crons/schedule";
import { api } from "./fixtures/crons/convex/_generated/api";
import { adminClient, copyFunctions, startTestBackend, tempDir, waitFor, type TestBackend } from "./helpers";

const FUNCTIONS = fileURLToPath(new URL("./fixtures/crons/convex", import.meta.url));

/** A clock that moves only when the test sets it; what is due when it moves wakes at once. */
class ManualClock implements CronClock {
  private readonly waiting = new Set<{ atMs: number; wake: () => void }>();
  constructor(private ms: number) {}

  now(): number {
    return this.ms;
  }

  wakeAt(atMs: number, wake: () => void): () => void {
    const entry = { atMs, wake };
    this.waiting.add(entry);
    setImmediate(() => this.wakeDue());
    return () => this.waiting.delete(entry);
  }

  set(iso: string): void {
    this.ms = Date.parse(iso);
    this.wakeDue();
  }

  private wakeDue(): void {
    for (const entry of [...this.waiting]) {
      if (entry.atMs > this.ms) continue;
      this.waiting.delete(entry);
      entry.wake();
    }
  }
}

type RunStatus =
  | { type: "success"; result: { type: "default"; value: unknown } }
  | { type: "err"; error: string }
  | { type: "canceled"; num_canceled: bigint };

interface CronRun {
  name: string;
  ts: bigint;
  udfPath: string;
  status: RunStatus;
  logLines: { logLines: string[]; isTruncated: boolean };
}

interface CronJobView {
  name: string;
  cronSpec: { udfPath: string; cronSchedule: Record<string, unknown> };
  lastRun: CronRun | null;
  nextRun: { state: { type: string }; prevTs: bigint | null; nextTs: bigint };
}

const listCronJobs = makeFunctionReference<"query", Record<string, never>, CronJobView[]>("_system/frontend/listCronJobs");
const listCronJobRuns = makeFunctionReference<"query", Record<string, never>, CronRun[]>("_system/frontend/listCronJobRuns");

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

function dashboard(backend: TestBackend) {
  const admin = adminClient(backend.url, backend.adminKey);
  return {
    jobs: async () => new Map((await admin.query(listCronJobs, {})).map((job) => [job.name, job])),
    runs: async (name: string) => (await admin.query(listCronJobRuns, {})).filter((run) => run.name === name),
  };
}

describe("cron jobs on a controlled clock", () => {
  // A Thursday.
  const clock = new ManualClock(Date.parse("2030-01-31T00:00:00Z"));
  const logs: string[] = [];
  let backend: TestBackend;
  let http: ConvexHttpClient;
  let view: ReturnType<typeof dashboard>;
  beforeAll(async () => {
    backend = await startTestBackend({
      functionsDir: FUNCTIONS,
      cronClock: clock,
      cronSplaySeconds: 0,
      log: (m) => logs.push(m),
    });
    http = new ConvexHttpClient(backend.url);
    view = dashboard(backend);
  });
  afterAll(async () => {
    await backend.destroy();
  });

  const count = async (job: string) => (await http.query(api.runs.counts, {}))[job] ?? 0;
  const ran = (job: string, times: number) =>
    waitFor(async () => (await count(job)) === times, 10_000, `${job} to have run ${times} times`);
  const nextRunOf = async (name: string) => iso((await view.jobs()).get(name)!.nextRun.nextTs);

  it("runs interval jobs as soon as they are deployed, and times each calendar job at its next minute (UTC)", async () => {
    await ran("interval", 1);
    await ran("action", 1);
    expect(await nextRunOf("every ten seconds")).toBe("2030-01-31T00:00:10.000Z");
    expect(await nextRunOf("hourly at :30")).toBe("2030-01-31T00:30:00.000Z");
    expect(await nextRunOf("daily at 7:15")).toBe("2030-01-31T07:15:00.000Z");
    expect(await nextRunOf("mondays at 9:10")).toBe("2030-02-04T09:10:00.000Z");
    expect(await nextRunOf("the 31st at 0:05")).toBe("2030-01-31T00:05:00.000Z");
    expect(await nextRunOf("weekdays at 8:45")).toBe("2030-01-31T08:45:00.000Z");
    const job = (await view.jobs()).get("daily at 7:15")!;
    expect(job.cronSpec).toMatchObject({ udfPath: "runs.js:record", cronSchedule: { type: "daily", hourUTC: 7, minuteUTC: 15 } });
  });

  it("runs each schedule kind when the clock reaches it, then times its next run", async () => {
    const steps: [now: string, job: string, name: string, runs: number, next: string][] = [
      // February has no 31st.
      ["2030-01-31T00:05:00Z", "monthly", "the 31st at 0:05", 1, "2030-03-31T00:05:00.000Z"],
      ["2030-01-31T00:30:00Z", "hourly", "hourly at :30", 1, "2030-01-31T01:30:00.000Z"],
      ["2030-01-31T07:15:00Z", "daily", "daily at 7:15", 1, "2030-02-01T07:15:00.000Z"],
      ["2030-01-31T08:45:00Z", "cron", "weekdays at 8:45", 1, "2030-02-01T08:45:00.000Z"],
      // MON-FRI: the weekend is skipped.
      ["2030-02-01T08:45:00Z", "cron", "weekdays at 8:45", 2, "2030-02-04T08:45:00.000Z"],
      ["2030-02-04T09:10:00Z", "weekly", "mondays at 9:10", 1, "2030-02-11T09:10:00.000Z"],
    ];
    for (const [now, job, name, runs, next] of steps) {
      clock.set(now);
      await ran(job, runs);
      expect(await nextRunOf(name), `${name} after ${now}`).toBe(next);
    }
    // Each time the clock moved past a job's time, it ran once: the hourly job at 00:30, 07:15,
    // 08:45, then on Feb 1 and 4; the times in between were skipped.
    await ran("hourly", 5);
    await ran("daily", 3);
    await ran("cron", 3);
    expect(await nextRunOf("hourly at :30")).toBe("2030-02-04T09:30:00.000Z");
  });

  /** A job's latest run (not counting runs it skipped), once it failed and the job waits for its next. */
  const failedRun = (name: string) =>
    waitFor(
      async () => {
        const job = (await view.jobs()).get(name);
        const [run] = (await view.runs(name)).filter((r) => r.status.type !== "canceled").sort((a, b) => (a.ts < b.ts ? 1 : -1));
        return job?.nextRun.state.type === "pending" && run?.status.type === "err" ? { job, run } : null;
      },
      10_000,
      `a failed run of ${name}`,
    );

  it("records a failed run, rolls back its writes and still schedules the next one", async () => {
    const failing = await failedRun("failing mutation");
    expect(failing.run.status).toEqual({
      type: "err",
      error: expect.stringMatching(/^Uncaught Error: cron mutation failed on purpose\n/) as string,
    });
    expect(failing.run.logLines).toEqual({ logLines: ["[LOG] 'about to fail'"], isTruncated: false });
    expect(failing.job.nextRun.nextTs).toBeGreaterThan(failing.run.ts);
    expect(await count("failing")).toBe(0);
    expect(
      logs.some((line) =>
        line.startsWith("cron job 'failing mutation' (runs.js:fail) failed: Uncaught Error: cron mutation failed on purpose"),
      ),
    ).toBe(true);
    expect((await failedRun("failing action")).run.status).toMatchObject({
      error: expect.stringMatching(/^Uncaught Error: cron action failed on purpose/) as string,
    });

    // When the clock reaches its next run, it runs, and fails, again.
    clock.set(new Date(Number(failing.job.nextRun.nextTs / 1_000_000n) + 30_000).toISOString());
    await waitFor(async () => (await failedRun("failing mutation")).run.ts > failing.run.ts, 10_000, "the next failed run");
    const succeeded = await waitFor(
      async () => (await view.runs("action")).find((run) => run.status.type !== "canceled"),
      10_000,
      "the action's run",
    );
    expect(succeeded.status).toEqual({ type: "success", result: { type: "default", value: null } });
  });

  it("runs a job that missed runs once, and logs the runs it skipped as canceled", async () => {
    // Once it is not due (its run and next time commit together, so none is under way).
    const job = await waitFor(
      async () => {
        const job = (await view.jobs()).get("every ten seconds")!;
        return Number(job.nextRun.nextTs / 1_000_000n) > clock.now() ? job : null;
      },
      10_000,
      "the job to wait",
    );
    const due = Number(job.nextRun.nextTs / 1_000_000n);
    const before = await count("interval");
    clock.set(new Date(due + 3605_000).toISOString());
    await ran("interval", before + 1);
    const skipped = await waitFor(
      async () =>
        (await view.runs("every ten seconds")).find(
          (run) => run.status.type === "canceled" && run.ts === BigInt(due + 10_000) * 1_000_000n,
        ),
      10_000,
      "the skipped runs",
    );
    expect(skipped.status).toEqual({ type: "canceled", num_canceled: 360n });
    expect((await view.jobs()).get("every ten seconds")!.nextRun.nextTs).toBe(BigInt(due + 3610_000) * 1_000_000n);
    expect(
      logs.some((line) => /^Skipping 360 run\(s\) of job \w+ because multiple scheduled runs are in the past$/.test(line)),
    ).toBe(true);
    // A job keeps its last five runs.
    expect((await view.runs("failing mutation")).length).toBeLessThanOrEqual(5);
  });

  it("keeps its tables from functions, and its system queries from anyone but the admin key", async () => {
    expect(await http.query(api.runs.cronTables, {})).toEqual({ _cron_jobs: 0, _cron_next_run: 0, _cron_job_logs: 0 });
    await expect(http.query(listCronJobs, {})).rejects.toThrow(
      /Could not find public function for '_system\/frontend\/listCronJobs'/,
    );
  });
});

/** crons.ts written by the test, over the fixture's functions. */
function cronsFile(...lines: string[]): string {
  return [
    `import { cronJobs } from "convex/server";`,
    `import { internal } from "./_generated/api";`,
    `const crons = cronJobs();`,
    ...lines,
    `export default crons;`,
    ``,
  ].join("\n");
}

describe("changing crons.ts", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it("adds, changes and removes jobs across a restart and a watch reload; runs missed while down are skipped; an action cut off by the stop is failed", async () => {
    const { functionsDir, remove } = await copyFunctions(FUNCTIONS);
    cleanup.push(remove);
    const dataDir = await tempDir();
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    // A Friday.
    const clock = new ManualClock(Date.parse("2030-03-01T00:00:00Z"));
    const logs: string[] = [];
    const start = (watch: boolean) =>
      startTestBackend({ functionsDir, dataDir, watch, cronClock: clock, cronSplaySeconds: 0, log: (m) => logs.push(m) });

    await writeFile(
      join(functionsDir, "crons.ts"),
      cronsFile(
        `crons.interval("kept", { minutes: 10 }, internal.runs.record, { job: "kept" });`,
        `crons.daily("changed", { hourUTC: 5, minuteUTC: 20 }, internal.runs.record, { job: "changed" });`,
        `crons.interval("removed", { hours: 2 }, internal.runs.record, { job: "removed" });`,
        `crons.interval("hanging", { hours: 1 }, internal.runs.hang);`,
      ),
    );
    let backend = await start(false);
    let view = dashboard(backend);
    let http = new ConvexHttpClient(backend.url);
    // Interval jobs run when deployed.
    await waitFor(async () => (await http.query(api.runs.counts, {})).removed === 1, 10_000, "the first runs");
    await waitFor(
      async () => (await view.jobs()).get("hanging")?.nextRun.state.type === "inProgress",
      10_000,
      "the action to start",
    );
    expect(await view.runs("removed")).toHaveLength(1);
    await backend.close();

    await writeFile(
      join(functionsDir, "crons.ts"),
      cronsFile(
        `crons.interval("kept", { minutes: 10 }, internal.runs.record, { job: "kept" });`,
        `crons.daily("changed", { hourUTC: 6, minuteUTC: 40 }, internal.runs.record, { job: "changed" });`,
        `crons.weekly("added", { dayOfWeek: "friday", hourUTC: 12, minuteUTC: 1 }, internal.runs.record, { job: "added" });`,
        `crons.interval("hanging", { hours: 1 }, internal.runs.hang);`,
      ),
    );
    // Down for two hours: "kept" was due at 00:10, and every ten minutes after.
    clock.set("2030-03-01T02:00:01Z");
    backend = await start(true);
    cleanup.push(() => backend.close());
    view = dashboard(backend);
    http = new ConvexHttpClient(backend.url);
    await waitFor(async () => (await http.query(api.runs.counts, {})).kept === 2, 10_000, "one catch-up run");
    const jobs = await view.jobs();
    expect([...jobs.keys()].sort()).toEqual(["added", "changed", "hanging", "kept"]);
    expect(iso(jobs.get("changed")!.nextRun.nextTs)).toBe("2030-03-01T06:40:00.000Z");
    expect(jobs.get("changed")!.cronSpec.cronSchedule).toMatchObject({ hourUTC: 6, minuteUTC: 40 });
    expect(iso(jobs.get("added")!.nextRun.nextTs)).toBe("2030-03-01T12:01:00.000Z");
    // The removed job's logs went with it.
    expect(await view.runs("removed")).toEqual([]);
    const kept = await waitFor(
      async () => (await view.runs("kept")).find((run) => run.status.type === "canceled"),
      10_000,
      "skipped runs",
    );
    // 00:20 to 02:00 were skipped after the 00:10 run made up for them.
    expect(kept.status).toEqual({ type: "canceled", num_canceled: 11n });
    expect(iso((await view.jobs()).get("kept")!.nextRun.nextTs)).toBe("2030-03-01T02:10:00.000Z");
    // The action the stop cut off is not run again: it is failed, and its next run scheduled.
    const hanging = (await view.jobs()).get("hanging")!;
    expect((await view.runs("hanging")).map((run) => [iso(run.ts), run.status])).toEqual([
      ["2030-03-01T00:00:00.000Z", { type: "err", error: "Transient error while executing action" }],
      // Its 01:00 and 02:00 runs passed while the backend was down.
      ["2030-03-01T01:00:00.000Z", { type: "canceled", num_canceled: 2n }],
    ]);
    expect(hanging.nextRun.state).toEqual({ type: "pending" });
    expect(iso(hanging.nextRun.nextTs)).toBe("2030-03-01T03:00:00.000Z");

    // Under watch, an edit takes effect without a restart; one a push would refuse changes nothing.
    await writeFile(
      join(functionsDir, "crons.ts"),
      cronsFile(`crons.cron("broken", "0 0 * * 7", internal.runs.record, { job: "x" });`),
    );
    await waitFor(
      () => logs.some((line) => line.includes("failed to reload functions: Failed to parse cron expression")),
      10_000,
      "the refusal",
    );
    await writeFile(
      join(functionsDir, "crons.ts"),
      cronsFile(`crons.cron("never", "0 0 30 2 *", internal.runs.record, { job: "x" });`),
    );
    await waitFor(
      () =>
        logs.some((line) => line.includes(`failed to reload functions: The cron spec "0 0 30 2 *" will never match any time`)),
      10_000,
      "the refusal",
    );
    await writeFile(join(functionsDir, "crons.ts"), cronsFile(`crons.interval("query", { hours: 1 }, internal.runs.list);`));
    await waitFor(
      () =>
        logs.some((line) =>
          line.includes(
            "failed to reload functions: The cron job 'query' schedules a query function, only actions and mutations can be scheduled: runs.js:list",
          ),
        ),
      10_000,
      "the refusal",
    );
    expect([...(await view.jobs()).keys()].sort()).toEqual(["added", "changed", "hanging", "kept"]);
    await writeFile(
      join(functionsDir, "crons.ts"),
      cronsFile(`crons.interval("kept", { minutes: 10 }, internal.runs.record, { job: "kept" });`),
    );
    await waitFor(async () => [...(await view.jobs()).keys()].join() === "kept", 10_000, "the reload");
    expect(logs).toContain("cron jobs deleted: added, changed, hanging");
  });
});

/** The next `n` times an expression runs after `from`. */
function runsOf(expression: string, from: string, n: number): string[] {
  const cron = new CronExpression(expression);
  const times: string[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const next = cron.nextAfter(at);
    if (next === null) break;
    times.push(new Date(next).toISOString().replace(":00.000Z", "Z"));
    at = next;
  }
  return times;
}

describe("five-field expressions, as Convex reads them (its fork of saffron)", () => {
  // 2030-01-01 is a Tuesday.
  const from = "2030-01-01T00:00:00Z";

  it("takes ranges, steps, lists and names, in UTC, with Sunday as 0", () => {
    expect(runsOf("*/20 9-10 * * *", from, 4)).toEqual([
      "2030-01-01T09:00Z",
      "2030-01-01T09:20Z",
      "2030-01-01T09:40Z",
      "2030-01-01T10:00Z",
    ]);
    expect(runsOf("5-20/5 0 * * *", from, 4)).toEqual([
      "2030-01-01T00:05Z",
      "2030-01-01T00:10Z",
      "2030-01-01T00:15Z",
      "2030-01-01T00:20Z",
    ]);
    // `a/n` steps from a up to the field's end.
    expect(runsOf("50/5 0 1 * *", from, 3)).toEqual(["2030-01-01T00:50Z", "2030-01-01T00:55Z", "2030-02-01T00:50Z"]);
    expect(runsOf("0 0 * * 0", from, 2)).toEqual(["2030-01-06T00:00Z", "2030-01-13T00:00Z"]);
    expect(runsOf("0\t0 * * sun", from, 1)).toEqual(["2030-01-06T00:00Z"]);
    expect(runsOf("30 8 * * MON-FRI", "2030-01-04T09:00:00Z", 2)).toEqual(["2030-01-07T08:30Z", "2030-01-08T08:30Z"]);
    expect(runsOf("0 12 1 jan,Jul *", "2030-02-01T00:00:00Z", 2)).toEqual(["2030-07-01T12:00Z", "2031-01-01T12:00Z"]);
    // With both day fields restricted, a day matching either runs.
    expect(runsOf("0 0 1,15 * MON", from, 4)).toEqual([
      "2030-01-07T00:00Z",
      "2030-01-14T00:00Z",
      "2030-01-15T00:00Z",
      "2030-01-21T00:00Z",
    ]);
    // A wrapped range also takes the value before its start, as saffron compiles it.
    expect(runsOf("50-10 0 * * *", "2030-01-01T00:09:00Z", 3)).toEqual([
      "2030-01-01T00:10Z",
      "2030-01-01T00:49Z",
      "2030-01-01T00:50Z",
    ]);
  });

  it("takes L, W and # for the last day, the nearest weekday and the n-th weekday", () => {
    expect(runsOf("0 0 L * *", "2030-02-10T00:00:00Z", 2)).toEqual(["2030-02-28T00:00Z", "2030-03-31T00:00Z"]);
    expect(runsOf("0 0 L-2 * *", "2030-02-10T00:00:00Z", 1)).toEqual(["2030-02-26T00:00Z"]);
    // March 31 2030 is a Sunday: the last weekday is Friday the 29th.
    expect(runsOf("0 0 LW * *", "2030-03-10T00:00:00Z", 1)).toEqual(["2030-03-29T00:00Z"]);
    // June 15 2030 is a Saturday: Friday the 14th; June 1 is a Saturday too: Monday the 3rd.
    expect(runsOf("0 0 15W * *", "2030-06-02T00:00:00Z", 1)).toEqual(["2030-06-14T00:00Z"]);
    expect(runsOf("0 0 1W 6 *", "2030-05-01T00:00:00Z", 1)).toEqual(["2030-06-03T00:00Z"]);
    expect(runsOf("0 0 * * 5L", from, 2)).toEqual(["2030-01-25T00:00Z", "2030-02-22T00:00Z"]);
    expect(runsOf("0 0 * * 1#2", from, 2)).toEqual(["2030-01-14T00:00Z", "2030-02-11T00:00Z"]);
    // A leap day waits for its year.
    expect(runsOf("0 0 29 2 *", from, 2)).toEqual(["2032-02-29T00:00Z", "2036-02-29T00:00Z"]);
  });

  it("refuses what Convex refuses, with its wording", () => {
    for (const text of [
      "* * * * 7",
      "60 * * * *",
      "* * * *",
      "* * * * * *",
      " * * * * *",
      "* * * * * ",
      "*/0 * * * *",
      "* * 0 * *",
      "* * * 13 *",
      "* * * * 1#6",
      "*,5 * * * *",
      "* * * * L,1",
      "0 0 * * mon-fry",
    ]) {
      expect(() => new CronExpression(text), text).toThrow(/^Failed to parse cron expression$/);
    }
    expect(new CronExpression("0 0 30 2 *").matchesAnyTime()).toBe(false);
    expect(new CronExpression("0 0 31 4,6,9,11 *").matchesAnyTime()).toBe(false);
    expect(new CronExpression("0 0 31 2,3 *").matchesAnyTime()).toBe(true);
    // A restricted day of the week may still match.
    expect(new CronExpression("0 0 30 2 MON").matchesAnyTime()).toBe(true);
  });

  it("splays a job over its minute (or, without minuteUTC, its hour) as Convex does, keeping the same second each run", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    const at = (random: number) => ({ splaySeconds: 60, random: () => random });
    const daily = { type: "daily", hourUTC: 7, minuteUTC: 15 } as const;
    const first = nextRunMs(daily, null, now, at(0.5));
    expect(new Date(first).toISOString()).toBe("2030-01-01T07:15:30.000Z");
    // The next run keeps its second, whatever is drawn.
    expect(new Date(nextRunMs(daily, first, first, at(0.9))).toISOString()).toBe("2030-01-02T07:15:30.000Z");
    expect(new Date(nextRunMs(daily, null, now, { splaySeconds: 0, random: () => 0.5 })).toISOString()).toBe(
      "2030-01-01T07:15:00.000Z",
    );
    const hourly = { type: "hourly" } as const;
    const spread = nextRunMs(hourly, null, now, at(0.25));
    expect(new Date(spread).toISOString()).toBe("2030-01-01T00:15:00.000Z");
    expect(new Date(nextRunMs(hourly, spread, spread, at(0.9))).toISOString()).toBe("2030-01-01T01:15:00.000Z");
    // Interval jobs are not splayed: they run when deployed, then every interval.
    expect(nextRunMs({ type: "interval", seconds: 90 }, null, now, at(0.5))).toBe(now);
    expect(nextRunMs({ type: "interval", seconds: 90 }, now, now + 5000, at(0.5))).toBe(now + 90_000);
  });
});

describe("the system clock", () => {
  it("wakes a job at its time, never before, and not once cancelled", async () => {
    const at = Date.now() + 50;
    const woke = await new Promise<number>((resolve) => systemClock.wakeAt(at, () => resolve(Date.now())));
    expect(woke).toBeGreaterThanOrEqual(at);
    let fired = false;
    const cancel = systemClock.wakeAt(Date.now() + 20, () => (fired = true));
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired).toBe(false);
  });
});
