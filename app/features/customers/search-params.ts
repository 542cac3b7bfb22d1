import * as z from "zod/mini";
import { CUSTOMER_STATUSES } from "../../../convex/lib/customerRules";

/**
 * /customers search params. Every field falls back to its default on a bad value, so a
 * hand-edited or stale URL still opens the list instead of an error page.
 */
export const customerListSearchSchema = z.object({
  status: z._default(z.catch(z.enum(["all", ...CUSTOMER_STATUSES]), "all"), "all"),
  sort: z._default(z.catch(z.enum(["newest", "oldest", "name"]), "newest"), "newest"),
  q: z.pipe(
    z._default(z.catch(z.string().check(z.maxLength(100)), ""), ""),
    z.transform((value: string) => value.trim()),
  ),
});

export type CustomerListSearch = z.output<typeof customerListSearchSchema>;

export const defaultCustomerListSearch: CustomerListSearch = customerListSearchSchema.parse({});
