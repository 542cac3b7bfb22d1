/** Formatters by time zone: building one costs far more than formatting with it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

const DAY = { year: "numeric", month: "short", day: "numeric" } as const;
const MOMENT = { ...DAY, hour: "2-digit", minute: "2-digit", hourCycle: "h23" } as const;

function formatter(kind: "day" | "moment", timeZone: string): Intl.DateTimeFormat {
  const key = `${kind} ${timeZone}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat("en", { ...(kind === "day" ? DAY : MOMENT), timeZone });
    formatters.set(key, format);
  }
  return format;
}

/** A day such as "Dec 6, 2026", in the viewer's time zone (`useTimeZone`). */
export function formatDate(time: number, timeZone: string): string {
  return formatter("day", timeZone).format(time);
}

/**
 * A moment to the minute, such as "Dec 6, 2026, 21:13", in the viewer's time zone (no zone
 * name: zone names differ between ICU versions, and the server's must match the browser's).
 */
export function formatMoment(time: number, timeZone: string): string {
  return formatter("moment", timeZone).format(time);
}
