import type { SearchSchemaInput } from "@tanstack/react-router";
import { CUSTOMER_STATUSES } from "../../../convex/lib/customerFields";

const STATUS_FILTERS = ["all", ...CUSTOMER_STATUSES] as const;
const SORTS = ["newest", "oldest", "name"] as const;
export const MAX_SEARCH_LENGTH = 100;

export interface CustomerListSearch {
  status: (typeof STATUS_FILTERS)[number];
  sort: (typeof SORTS)[number];
  q: string;
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown, fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/**
 * /customers search params. Every field falls back to its default on a bad value, so a
 * hand-edited or stale URL still opens the list instead of an error page. Hand-written rather
 * than a schema: route validators ship in the first bundle of every page.
 */
export function parseCustomerListSearch(input: Record<string, unknown>): CustomerListSearch {
  // The router parses "?q=42" as the number 42: a search for digits is still a search.
  const raw = typeof input.q === "number" ? String(input.q) : input.q;
  const q = typeof raw === "string" && raw.length <= MAX_SEARCH_LENGTH ? raw.trim() : "";
  return {
    status: oneOf(STATUS_FILTERS, input.status, "all"),
    sort: oneOf(SORTS, input.sort, "newest"),
    q,
  };
}

/** The route's validator, typed as links pass it: every field optional (SearchSchemaInput tells the router). */
export const validateCustomerListSearch = (search: Partial<CustomerListSearch> & SearchSchemaInput) =>
  parseCustomerListSearch(search);

export const defaultCustomerListSearch: CustomerListSearch = parseCustomerListSearch({});
