import { z } from "zod";
import { CUSTOMER_STATUSES } from "../../../convex/lib/customerRules";

/**
 * /customers search params. Every field falls back to its default on a bad value, so a
 * hand-edited or stale URL still opens the list instead of an error page.
 */
export const customerListSearchSchema = z.object({
  status: z.enum(["all", ...CUSTOMER_STATUSES]).catch("all").default("all"),
  sort: z.enum(["newest", "oldest", "name"]).catch("newest").default("newest"),
  q: z
    .string()
    .max(100)
    .catch("")
    .default("")
    .transform((value) => value.trim()),
});

export type CustomerListSearch = z.output<typeof customerListSearchSchema>;

export const defaultCustomerListSearch: CustomerListSearch = customerListSearchSchema.parse({});
