const dateFormat = new Intl.DateTimeFormat("en", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

/** A day such as "Dec 6, 2026", in a fixed locale and time zone, so the server's HTML and the browser's render agree. */
export function formatDate(time: number): string {
  return dateFormat.format(time);
}
