/**
 * What `convex/crons.ts` declares, checked as a Convex push checks it, and when each job runs next.
 * Wording and rules from convex-backend: crates/model/src/cron_jobs/types.rs (`from_exported_json`),
 * crates/application/src/application_function_runner (`validate_cron_jobs`) and
 * crates/model/src/cron_jobs/next_ts.rs (`compute_next_ts`, with its random "splay").
 */
import type { JSONValue } from "convex/values";
import type { LoadedFunction } from "../../runtime/modules";
import { canonicalPath } from "../../runtime/modules";
import { CronExpression } from "./cron-expression";

export type CronSchedule =
  | { type: "interval"; seconds: number }
  | { type: "hourly"; minuteUTC?: number }
  | { type: "daily"; hourUTC: number; minuteUTC?: number }
  /** 0 is Sunday. */
  | { type: "weekly"; dayOfWeek: number; hourUTC: number; minuteUTC?: number }
  | { type: "monthly"; day: number; hourUTC: number; minuteUTC?: number }
  | { type: "cron"; cronExpr: string };

export interface CronSpec {
  /** As Convex stores it: `module.js:function`. */
  udfPath: string;
  /** The arguments as `crons.export()` writes them: a one-element array. */
  udfArgs: JSONValue[];
  cronSchedule: CronSchedule;
}

/** A crons.ts that a Convex push would refuse; the message is Convex's. */
export class CronDefinitionError extends Error {
  override name = "CronDefinitionError";
}

const DAYS_OF_WEEK = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
/** Convex's limit on a document, which a job's arguments must stay under (they are stored in `_cron_jobs`). */
const MAX_ARGS_BYTES = 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function integerOrUndefined(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw new CronDefinitionError("Invalid JSON");
  return value;
}

function integer(value: unknown): number {
  const n = integerOrUndefined(value);
  if (n === undefined) throw new CronDefinitionError("Invalid JSON");
  return n;
}

/** `{ type, ... }` as crons.export() writes it, checked as Convex checks it. */
function parseSchedule(job: Record<string, unknown>, schedule: Record<string, unknown>): CronSchedule {
  const where = () => JSON.stringify(job, null, 2);
  const minuteUTC = integerOrUndefined(schedule.minuteUTC);
  const checkMinute = () => {
    if (minuteUTC !== undefined && (minuteUTC < 0 || minuteUTC > 59))
      throw new CronDefinitionError(`minuteUTC must be 0-59 in ${where()}`);
  };
  const hour = () => {
    const hourUTC = integer(schedule.hourUTC);
    if (hourUTC < 0 || hourUTC > 23) throw new CronDefinitionError(`hourUTC must be 0-23 in ${where()}`);
    return hourUTC;
  };
  const minute = minuteUTC === undefined ? {} : { minuteUTC };
  switch (schedule.type) {
    case "interval": {
      const parts = [schedule.seconds, schedule.minutes, schedule.hours].map(integerOrUndefined);
      const given = parts.filter((p) => p !== undefined);
      if (given.length !== 1) throw new CronDefinitionError("Exactly one of (seconds, minutes, hours) should be specified");
      if (given[0]! <= 0) throw new CronDefinitionError("Interval must be an integer greater than 0");
      const [seconds = 0, minutes = 0, hours = 0] = parts;
      return { type: "interval", seconds: seconds + minutes * 60 + hours * 3600 };
    }
    case "hourly":
      checkMinute();
      return { type: "hourly", ...minute };
    case "daily": {
      checkMinute();
      return { type: "daily", hourUTC: hour(), ...minute };
    }
    case "weekly": {
      checkMinute();
      const hourUTC = hour();
      const dayOfWeek = DAYS_OF_WEEK.indexOf(String(schedule.dayOfWeek));
      if (dayOfWeek < 0) throw new CronDefinitionError("Invalid JSON");
      return { type: "weekly", dayOfWeek, hourUTC, ...minute };
    }
    case "monthly": {
      checkMinute();
      const hourUTC = hour();
      const day = integer(schedule.day);
      if (day < 1 || day > 31) throw new CronDefinitionError(`day of month must be 1-31 in ${where()}`);
      return { type: "monthly", day, hourUTC, ...minute };
    }
    case "cron": {
      if (typeof schedule.cron !== "string") throw new CronDefinitionError("Invalid JSON");
      const expression = cronExpression(schedule.cron);
      if (!expression.matchesAnyTime()) {
        throw new CronDefinitionError(`The cron spec ${JSON.stringify(schedule.cron)} will never match any time`);
      }
      return { type: "cron", cronExpr: schedule.cron };
    }
    default:
      throw new CronDefinitionError("Invalid JSON");
  }
}

function cronExpression(text: string): CronExpression {
  try {
    return new CronExpression(text);
  } catch (error) {
    throw new CronDefinitionError(error instanceof Error ? error.message : String(error));
  }
}

/** `mod:fn` as Convex canonicalizes it: `mod.js:fn`, and a default export named `default`. */
function canonicalUdfPath(name: string): string {
  const colon = name.lastIndexOf(":");
  const [module, fn] = colon >= 0 ? [name.slice(0, colon), name.slice(colon + 1)] : [name, "default"];
  return `${module.endsWith(".js") ? module : `${module}.js`}:${fn}`;
}

/**
 * The jobs crons.ts declares (its `export()` text, or null without crons.ts), by name in
 * Convex's order, refused as a push refuses them: a malformed schedule, an expression that never
 * matches, or a job whose function is missing or is a query.
 */
export function cronSpecs(exported: string | null, functions: ReadonlyMap<string, LoadedFunction>): Map<string, CronSpec> {
  const specs = new Map<string, CronSpec>();
  if (exported === null) return specs;
  const jobs = JSON.parse(exported) as unknown;
  if (!isRecord(jobs)) throw new CronDefinitionError("Invalid JSON");
  for (const name of Object.keys(jobs).sort()) {
    const bad = [...name].find((c) => c.charCodeAt(0) > 127 || c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);
    if (bad !== undefined) {
      throw new CronDefinitionError(
        `CronIdentifier ${name} has invalid character '${bad}': CronIdentifiers can only contain ASCII letters, numbers, spaces, underscores, dashes and apostrophes`,
      );
    }
    const job = jobs[name];
    if (!isRecord(job) || typeof job.name !== "string" || !isRecord(job.schedule) || !Array.isArray(job.args)) {
      throw new CronDefinitionError("Invalid JSON");
    }
    const cronSchedule = parseSchedule(job, job.schedule);
    const udfArgs = job.args as JSONValue[];
    const size = Buffer.byteLength(JSON.stringify(udfArgs));
    if (size >= MAX_ARGS_BYTES)
      throw new CronDefinitionError(`Cron job args too large (${size} > maximum size ${MAX_ARGS_BYTES})`);
    specs.set(name, { udfPath: canonicalUdfPath(job.name), udfArgs, cronSchedule });
  }
  for (const [name, spec] of specs) {
    const fn = functions.get(canonicalPath(spec.udfPath));
    if (!fn) throw new CronDefinitionError(`The cron job '${name}' schedules a function that does not exist: ${spec.udfPath}`);
    if (fn.kind === "query") {
      throw new CronDefinitionError(
        `The cron job '${name}' schedules a query function, only actions and mutations can be scheduled: ${spec.udfPath}`,
      );
    }
  }
  return specs;
}

export function sameSchedule(a: CronSchedule, b: CronSchedule): boolean {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

export function sameSpec(a: CronSpec, b: CronSpec): boolean {
  return (
    a.udfPath === b.udfPath &&
    JSON.stringify(a.udfArgs) === JSON.stringify(b.udfArgs) &&
    sameSchedule(a.cronSchedule, b.cronSchedule)
  );
}

/** The five-field expression a calendar schedule stands for; a minute left out is 0, then splayed over the hour. */
function expressionOf(schedule: Exclude<CronSchedule, { type: "interval" }>): string {
  if (schedule.type === "cron") return schedule.cronExpr;
  const minute = schedule.minuteUTC ?? 0;
  switch (schedule.type) {
    case "hourly":
      return `${minute} * * * *`;
    case "daily":
      return `${minute} ${schedule.hourUTC} * * *`;
    case "weekly":
      return `${minute} ${schedule.hourUTC} * * ${schedule.dayOfWeek}`;
    case "monthly":
      return `${minute} ${schedule.hourUTC} ${schedule.day} * *`;
  }
}

export interface NextRunOptions {
  /**
   * Convex's CRON_SPLAY_SECONDS (60): a job whose minute is set runs at a random second of it,
   * the same one each time, so that jobs sharing a schedule do not all fire at once; 0 turns it off.
   * A calendar job without `minuteUTC` runs at a random second of the hour whatever this is.
   */
  splaySeconds: number;
  random: () => number;
}

/**
 * When a job runs next (ms since the epoch), given when it last ran (`prevMs`, its scheduled
 * time, null for a new job) and now. An interval job runs at once when created, then every
 * interval from its previous run; a calendar job at its next matching minute after now, moved
 * by its splay (read back from the previous run's second, or drawn afresh).
 */
export function nextRunMs(schedule: CronSchedule, prevMs: number | null, nowMs: number, options: NextRunOptions): number {
  if (schedule.type === "interval") return prevMs === null ? nowMs : prevMs + schedule.seconds * 1000;
  const expression = new CronExpression(expressionOf(schedule));
  const unpinned = schedule.type !== "cron" && schedule.minuteUTC === undefined;
  const [maxSplay, period] = unpinned ? [3600, 3600] : [options.splaySeconds, 60];
  let previousDelay = 0;
  let nextDelay = 0;
  if (maxSplay > 0) {
    const drawn = () => Math.floor(options.random() * maxSplay);
    const carried = prevMs === null ? null : Math.floor(prevMs / 1000) % period;
    if (carried === null) previousDelay = nextDelay = drawn();
    else if (carried !== 0) previousDelay = nextDelay = carried;
    else nextDelay = drawn();
  }
  const occurrence = expression.nextAfter(nowMs - previousDelay * 1000);
  if (occurrence === null) throw new Error(`Could not compute next timestamp for cron ${expression.text}`);
  return occurrence + nextDelay * 1000;
}
