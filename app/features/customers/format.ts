import type { CustomerStatusValue } from "../../../convex/lib/customerFields";

export const STATUS_LABELS: Record<CustomerStatusValue, string> = {
  lead: "Lead",
  active: "Active",
  inactive: "Inactive",
};
