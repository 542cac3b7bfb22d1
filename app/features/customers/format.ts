import type { CustomerStatusValue } from "../../../convex/lib/customerFields";
import { formatDate } from "../../lib/format-date";

export const STATUS_LABELS: Record<CustomerStatusValue, string> = {
  lead: "Lead",
  active: "Active",
  inactive: "Inactive",
};

/** The day a customer was created (the app's one date format). */
export const formatCreated = formatDate;

const dateTimeFormat = new Intl.DateTimeFormat("en", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

/** When something happened, to the minute, in UTC (the same on the server and in the browser). */
export function formatMoment(time: number): string {
  return `${dateTimeFormat.format(time)} UTC`;
}
