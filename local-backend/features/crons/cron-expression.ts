/**
 * Five-field cron expressions as Convex reads them. Convex parses them with its fork of
 * Cloudflare's saffron (github.com/get-convex/saffron, BSD-3); this is our own code with its
 * grammar and results:
 * - `minute hour day-of-month month day-of-week`, in UTC, separated by spaces or tabs, nothing before or after;
 * - each field takes `*`, a value, a range `a-b`, a step `a/n`, `a-b/n` or `*\/n`, and lists of
 *   those with `,` (a `*` inside a list stands for the field's first value); steps are 1 up to
 *   the field's span (59, 23, 30, 11, 6);
 * - months may be `JAN`–`DEC` and days of the week `SUN`–`SAT`, in any case; Sunday is 0, and 7 is refused;
 * - day of month also takes `L` (the last day), `L-n`, `LW` (the last weekday), `L-nW`, and `nW`
 *   (the weekday nearest the n-th); day of week takes `nL` (the month's last such day), `n#k`
 *   (its k-th such day) and `L` alone (Saturday);
 * - when both day fields are restricted, a day matching either one runs (as in Vixie cron);
 * - a range whose start comes after its end wraps around, and (as saffron computes it) also
 *   takes the value just before its start: minutes `50-10` run at 49–59 and 0–10.
 * The next run is searched as saffron searches it: today's remaining minutes by the day's match,
 * later days by each day field's next candidate in the month.
 */

type Ors =
  | { kind: "one"; value: number }
  | { kind: "range"; start: number; end: number }
  | { kind: "step"; start: number; end: number; step: number };

interface Field {
  /** Smallest and largest value written in an expression. */
  min: number;
  max: number;
  /** Names accepted for values (months, days of the week), in value order from `min`. */
  names?: readonly string[];
  /** Bit index of a value (0-based days and months). */
  index(value: number): number;
  /** Values the field has: its bit set's size. */
  size: number;
  /** Saffron wraps a step from its start up to `wrapHigh` and on from `wrapLow` (its 1-based bounds, even for 0-based bits). */
  wrapLow: number;
  wrapHigh: number;
}

const MINUTE: Field = { min: 0, max: 59, index: (v) => v, size: 60, wrapLow: 0, wrapHigh: 59 };
const HOUR: Field = { min: 0, max: 23, index: (v) => v, size: 24, wrapLow: 0, wrapHigh: 23 };
const DAY_OF_MONTH: Field = { min: 1, max: 31, index: (v) => v - 1, size: 31, wrapLow: 1, wrapHigh: 31 };
const MONTH: Field = {
  min: 1,
  max: 12,
  names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  index: (v) => v - 1,
  size: 12,
  wrapLow: 1,
  wrapHigh: 12,
};
const DAY_OF_WEEK: Field = {
  min: 0,
  max: 6,
  names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
  index: (v) => v,
  size: 7,
  wrapLow: 1,
  wrapHigh: 7,
};

type DaysOfMonth =
  | { kind: "all" }
  | { kind: "days"; days: boolean[] }
  /** `L`, `L-n` (weekday false) and `LW`, `L-nW` (weekday true). */
  | { kind: "last"; offset: number; weekday: boolean }
  /** `nW`. */
  | { kind: "nearestWeekday"; day: number };

type DaysOfWeek =
  | { kind: "all" }
  | { kind: "days"; days: boolean[] }
  | { kind: "last"; weekday: number }
  | { kind: "nth"; weekday: number; nth: number };

/** Saffron's own message for any expression it cannot read. */
export const CRON_PARSE_ERROR = "Failed to parse cron expression";

class ParseError extends Error {
  constructor() {
    super(CRON_PARSE_ERROR);
  }
}

/** Reads one field's text left to right; any mismatch is a ParseError. */
class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  take(char: string): boolean {
    if (this.text[this.pos] !== char) return false;
    this.pos++;
    return true;
  }

  /** A run of digits as a number that fits in a byte, as saffron reads them. */
  digits(): number | null {
    const match = /^\d+/.exec(this.text.slice(this.pos));
    if (!match) return null;
    this.pos += match[0].length;
    const value = Number(match[0]);
    if (value > 255) throw new ParseError();
    return value;
  }

  /** A number between `min` and `max`. */
  number(min: number, max: number): number {
    const value = this.digits();
    if (value === null || value < min || value > max) throw new ParseError();
    return value;
  }

  value(field: Field): number {
    const start = this.pos;
    const value = this.digits();
    if (value !== null) {
      if (value < field.min || value > field.max) throw new ParseError();
      return value;
    }
    this.pos = start;
    const name = this.text.slice(this.pos, this.pos + 3).toUpperCase();
    const at = field.names?.indexOf(name) ?? -1;
    if (at < 0) throw new ParseError();
    this.pos += 3;
    return field.min + at;
  }

  end(): void {
    if (this.pos !== this.text.length) throw new ParseError();
  }
}

/** Saffron's step bounds: 1 up to the field's span (minutes 59, hours 23, days 30, months 11, days of the week 6). */
function stepOf(reader: Reader, field: Field): number {
  return reader.number(1, field.max - field.min);
}

/** `value` or `*` (the first value), then what may follow it. */
function ors(reader: Reader, field: Field): Ors {
  return rest(reader, field, reader.take("*") ? field.min : reader.value(field));
}

/** The rest of a `,` list. */
function list(reader: Reader, field: Field, first: Ors): Ors[] {
  const items = [first];
  while (reader.take(",")) items.push(ors(reader, field));
  return items;
}

/** What follows a field's leading `*`: nothing (every value: null), or `/n` and the rest of a list. */
function afterStar(reader: Reader, field: Field): boolean[] | null {
  if (!reader.take("/")) return null;
  return compile(list(reader, field, { kind: "step", start: field.min, end: field.max, step: stepOf(reader, field) }), field);
}

/** A field without extensions (minutes, hours, months): `*`, `*\/n` and lists. */
function plainField(text: string, field: Field): boolean[] {
  const reader = new Reader(text);
  const values = reader.take("*")
    ? (afterStar(reader, field) ?? new Array<boolean>(field.size).fill(true))
    : compile(list(reader, field, ors(reader, field)), field);
  reader.end();
  return values;
}

function daysOfMonth(text: string): DaysOfMonth {
  const reader = new Reader(text);
  const field = DAY_OF_MONTH;
  let result: DaysOfMonth;
  if (reader.take("*")) {
    const days = afterStar(reader, field);
    result = days ? { kind: "days", days } : { kind: "all" };
  } else if (reader.take("L")) {
    const offset = reader.take("-") ? reader.number(1, 30) : 0;
    result = { kind: "last", offset, weekday: reader.take("W") };
  } else {
    const day = reader.value(field);
    if (reader.take("W")) result = { kind: "nearestWeekday", day };
    else result = { kind: "days", days: compile(list(reader, field, rest(reader, field, day)), field) };
  }
  reader.end();
  return result;
}

function daysOfWeek(text: string): DaysOfWeek {
  const reader = new Reader(text);
  const field = DAY_OF_WEEK;
  let result: DaysOfWeek;
  if (reader.take("*")) {
    const days = afterStar(reader, field);
    result = days ? { kind: "days", days } : { kind: "all" };
  } else if (reader.take("L")) {
    result = { kind: "days", days: compile([{ kind: "one", value: 6 }], field) };
  } else {
    const day = reader.value(field);
    if (reader.take("L")) result = { kind: "last", weekday: day };
    else if (reader.take("#")) result = { kind: "nth", weekday: day, nth: reader.number(1, 5) };
    else result = { kind: "days", days: compile(list(reader, field, rest(reader, field, day)), field) };
  }
  reader.end();
  return result;
}

/** What may follow a value: `-b`, `-b/n`, `/n` (up to the field's end) or nothing. */
function rest(reader: Reader, field: Field, start: number): Ors {
  if (reader.take("-")) {
    const end = reader.value(field);
    return reader.take("/") ? { kind: "step", start, end, step: stepOf(reader, field) } : { kind: "range", start, end };
  }
  if (reader.take("/")) return { kind: "step", start, end: field.max, step: stepOf(reader, field) };
  return { kind: "one", value: start };
}

/** The set of bit indexes a list selects, as saffron compiles it (see the module comment for wrapped ranges). */
function compile(items: Ors[], field: Field): boolean[] {
  const bits = new Array<boolean>(field.size).fill(false);
  const set = (index: number) => {
    if (index >= 0 && index < field.size) bits[index] = true;
  };
  for (const item of items) {
    // Saffron's normalisation: a range or step of one value is that value; a step of 1 is a range.
    const normal: Ors =
      item.kind !== "one" && item.start === item.end
        ? { kind: "one", value: item.start }
        : item.kind === "step" && item.step === 1
          ? { kind: "range", start: item.start, end: item.end }
          : item;
    if (normal.kind === "one") {
      set(field.index(normal.value));
      continue;
    }
    const start = field.index(normal.start);
    const end = field.index(normal.end);
    if (normal.kind === "range") {
      if (start <= end) for (let i = start; i <= end; i++) set(i);
      else {
        for (let i = start - 1; i < field.size; i++) set(i);
        for (let i = 0; i <= end; i++) set(i);
      }
      continue;
    }
    const sequence: number[] = [];
    if (start <= end) for (let i = start; i <= end; i++) sequence.push(i);
    else {
      for (let i = start; i <= field.wrapHigh; i++) sequence.push(i);
      for (let i = field.wrapLow; i <= end; i++) sequence.push(i);
    }
    for (let i = 0; i < sequence.length; i += normal.step) set(sequence[i]!);
  }
  return bits;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far ahead a next run is searched before the expression is taken to match no time. */
const SEARCH_YEARS = 400;

function daysIn(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

function weekdayOf(year: number, month0: number, day: number): number {
  return new Date(Date.UTC(year, month0, day)).getUTCDay();
}

const isWeekend = (weekday: number) => weekday === 0 || weekday === 6;
const MONDAY = 1;
const FRIDAY = 5;
const SATURDAY = 6;
const SUNDAY = 0;

export class CronExpression {
  private readonly minutes: boolean[];
  private readonly hours: boolean[];
  private readonly dom: DaysOfMonth;
  private readonly months: boolean[];
  private readonly dow: DaysOfWeek;

  /** Throws an Error with saffron's message if `text` is not a five-field expression it reads. */
  constructor(readonly text: string) {
    const fields = text.split(/[ \t]+/);
    if (fields.length !== 5) throw new ParseError();
    this.minutes = plainField(fields[0]!, MINUTE);
    this.hours = plainField(fields[1]!, HOUR);
    this.dom = daysOfMonth(fields[2]!);
    this.months = plainField(fields[3]!, MONTH);
    this.dow = daysOfWeek(fields[4]!);
  }

  /**
   * Whether it can ever match (saffron's `any`): with any day of the week, a day of the month
   * must exist in one of the months (`30 2` never does; `29 2` does in leap years).
   */
  matchesAnyTime(): boolean {
    if (this.dow.kind !== "all" || this.dom.kind === "all" || this.dom.kind === "nearestWeekday") return true;
    let firstDay: number;
    if (this.dom.kind === "last") {
      if (this.dom.offset === 0) return true;
      firstDay = this.dom.offset + 1;
    } else {
      firstDay = this.dom.days.indexOf(true) + 1;
    }
    const has = (months: number[]) => months.some((m) => this.months[m - 1]);
    const longest = has([1, 3, 5, 7, 8, 10, 12]) ? 31 : has([4, 6, 9, 11]) ? 30 : 29;
    return firstDay <= longest;
  }

  /** The first matching minute strictly after `ms` (saffron's `next_after`), or null if none. */
  nextAfter(ms: number): number | null {
    if (!this.matchesAnyTime()) return null;
    const start = new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
    const [year, month0, day] = [start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()];
    if (this.matchesDate(year, month0, day)) {
      const time = this.nextTime(start.getUTCHours(), start.getUTCMinutes());
      if (time !== null) return Date.UTC(year, month0, day) + time;
    }
    const tomorrow = new Date(Date.UTC(year, month0, day) + DAY_MS);
    let cursor = { year: tomorrow.getUTCFullYear(), month0: tomorrow.getUTCMonth(), day: tomorrow.getUTCDate() };
    for (let years = 0; years < SEARCH_YEARS; years++) {
      const found = this.nextDateInYear(cursor.year, cursor.month0, cursor.day);
      if (found !== null) {
        const time = this.nextTime(0, 0);
        return time === null ? null : Date.UTC(cursor.year, found.month0, found.day) + time;
      }
      cursor = { year: cursor.year + 1, month0: 0, day: 1 };
    }
    return null;
  }

  /** Milliseconds into the day of the first matching minute at or after `hour:minute`. */
  private nextTime(hour: number, minute: number): number | null {
    for (let h = hour; h < 24; h++) {
      if (!this.hours[h]) continue;
      for (let m = h === hour ? minute : 0; m < 60; m++) if (this.minutes[m]) return (h * 60 + m) * MINUTE_MS;
    }
    return null;
  }

  /** The first day from `day` on, in this month or a later one of the same year, that a run falls on. */
  private nextDateInYear(year: number, month0: number, day: number): { month0: number; day: number } | null {
    for (let m = month0; m < 12; m++) {
      if (!this.months[m]) continue;
      const found = this.nextDay(year, m, m === month0 ? day : 1);
      if (found !== null) return { month0: m, day: found };
    }
    return null;
  }

  /** The day fields' next candidate in the month from `day` on (saffron's `find_next_day`). */
  private nextDay(year: number, month0: number, day: number): number | null {
    const fromDom = this.dom.kind === "all" ? null : this.nextDayOfMonth(year, month0, day);
    const fromDow = this.dow.kind === "all" ? null : this.nextDayOfWeek(year, month0, day);
    if (this.dom.kind === "all" && this.dow.kind === "all") return day;
    if (fromDom === null) return fromDow;
    if (fromDow === null) return fromDom;
    return Math.min(fromDom, fromDow);
  }

  private nextDayOfMonth(year: number, month0: number, day: number): number | null {
    const last = daysIn(year, month0);
    const weekday = (d: number) => weekdayOf(year, month0, d);
    let candidate: number | null;
    const dom = this.dom;
    switch (dom.kind) {
      case "days":
        candidate = null;
        for (let d = day; d <= last; d++) {
          if (dom.days[d - 1]) {
            candidate = d;
            break;
          }
        }
        break;
      case "last": {
        const target = last - dom.offset;
        if (target < 1) return null;
        if (!dom.weekday) candidate = target;
        else if (dom.offset === 0)
          candidate = weekday(target) === SATURDAY ? target - 1 : weekday(target) === SUNDAY ? target - 2 : target;
        else candidate = nearestWeekday(target, weekday(target), last, false);
        break;
      }
      case "nearestWeekday":
        if (dom.day > last) return null;
        candidate = nearestWeekday(dom.day, weekday(dom.day), last, true);
        break;
      default:
        candidate = day;
    }
    return candidate !== null && candidate >= day && candidate <= last ? candidate : null;
  }

  private nextDayOfWeek(year: number, month0: number, day: number): number | null {
    const last = daysIn(year, month0);
    const dow = this.dow;
    let candidate: number | null = null;
    switch (dow.kind) {
      case "days":
        for (let d = day; d <= last; d++) {
          if (dow.days[weekdayOf(year, month0, d)]) {
            candidate = d;
            break;
          }
        }
        break;
      case "last": {
        const first = 1 + ((dow.weekday - weekdayOf(year, month0, 1) + 7) % 7);
        candidate = first + 7 * Math.floor((last - first) / 7);
        break;
      }
      case "nth": {
        const first = 1 + ((dow.weekday - weekdayOf(year, month0, 1) + 7) % 7);
        candidate = first + 7 * (dow.nth - 1);
        break;
      }
      default:
        candidate = day;
    }
    return candidate !== null && candidate >= day && candidate <= last ? candidate : null;
  }

  /** Whether a run falls on this date (saffron's `contains_date`, which it asks of the search's first day only). */
  private matchesDate(year: number, month0: number, day: number): boolean {
    if (!this.months[month0]) return false;
    const domAll = this.dom.kind === "all";
    const dowAll = this.dow.kind === "all";
    if (domAll && dowAll) return true;
    if (domAll) return this.dowContains(year, month0, day);
    if (dowAll) return this.domContains(year, month0, day);
    return this.dowContains(year, month0, day) || this.domContains(year, month0, day);
  }

  private domContains(year: number, month0: number, day: number): boolean {
    const last = daysIn(year, month0);
    const weekday = weekdayOf(year, month0, day);
    const dom = this.dom;
    switch (dom.kind) {
      case "days":
        return dom.days[day - 1] === true;
      case "last": {
        const shifted = day + dom.offset;
        if (!dom.weekday) return shifted === last;
        if (dom.offset === 0) return (!isWeekend(weekday) && day === last) || (weekday === FRIDAY && last - day < 3);
        return (
          (!isWeekend(weekday) && shifted === last) ||
          (weekday === MONDAY && shifted >= last && shifted - last < 3) ||
          (weekday === FRIDAY && shifted + 1 === last)
        );
      }
      case "nearestWeekday": {
        const target = dom.day;
        return (
          (!isWeekend(weekday) && day === target) ||
          (weekday === MONDAY && day - 1 === target) ||
          (weekday === MONDAY && day === 3 && target === 1) ||
          (weekday === FRIDAY && day + 1 === target) ||
          (weekday === FRIDAY && day + 2 === target && target === last)
        );
      }
      default:
        return true;
    }
  }

  private dowContains(year: number, month0: number, day: number): boolean {
    const weekday = weekdayOf(year, month0, day);
    const dow = this.dow;
    switch (dow.kind) {
      case "days":
        return dow.days[weekday] === true;
      case "nth":
        return weekday === dow.weekday && Math.floor((day - 1) / 7) + 1 === dow.nth;
      case "last":
        return weekday === dow.weekday && day + 7 > daysIn(year, month0);
      default:
        return true;
    }
  }
}

/**
 * The weekday saffron picks for a target day (`nW`, `L-nW`): a Saturday moves to Friday (or to
 * Monday the 3rd when it is the 1st), a Sunday to Monday (for `nW`, to Friday when it is the
 * month's last day).
 */
function nearestWeekday(target: number, weekday: number, last: number, sundayAtEndToFriday: boolean): number {
  if (weekday === SATURDAY) return target === 1 ? 3 : target - 1;
  if (weekday === SUNDAY) return sundayAtEndToFriday && target === last ? last - 2 : target + 1;
  return target;
}
