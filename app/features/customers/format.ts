import type { CustomerStatusValue } from "../../../convex/lib/customerFields";

export const STATUS_LABELS: Record<CustomerStatusValue, string> = {
  lead: "Lead",
  active: "Active",
  inactive: "Inactive",
};

const dateFormat = new Intl.DateTimeFormat("en", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

/** A fixed locale and time zone, so the server's HTML and the browser's render agree. */
export function formatCreated(creationTime: number): string {
  return dateFormat.format(creationTime);
}
