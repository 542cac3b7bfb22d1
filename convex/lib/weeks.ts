/**
 * Calendar weeks for the customers chart, free of any library: the browser computes the current
 * week with them (a query must not read the clock), and the counts (customerCounts.ts) file each
 * customer under the week it was created in.
 */
export const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
/** Weeks the chart shows, the current one last. */
export const CHART_WEEKS = 12;
/** 1970-01-01 was a Thursday: weeks start on Monday, 00:00 UTC, four days later. */
const MONDAY_OFFSET_MS = 4 * 24 * 60 * 60 * 1000;

/** The start (Monday, 00:00 UTC) of the week holding `time`. */
export function weekStartOf(time: number): number {
  return Math.floor((time - MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS + MONDAY_OFFSET_MS;
}
