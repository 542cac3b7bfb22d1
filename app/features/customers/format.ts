import type { CustomerStatusValue } from "../../../convex/lib/customerFields";
import { formatDate } from "../../lib/format-date";

export const STATUS_LABELS: Record<CustomerStatusValue, string> = {
  lead: "Lead",
  active: "Active",
  inactive: "Inactive",
};

/** The day a customer was created (the app's one date format). */
export const formatCreated = formatDate;
