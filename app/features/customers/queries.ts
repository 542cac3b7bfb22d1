import { convexQuery } from "@convex-dev/react-query";
import { api } from "../../../convex/_generated/api";
import type { CustomerListSearch } from "./search-params";

export const PAGE_SIZE = 50;

/** Where a list page starts, and (once the next page is loaded) where it is pinned to end. */
export interface PageBounds {
  cursor: string | null;
  endCursor?: string;
}

/** The list's filters as the Convex function takes them; the one place they are translated. */
function listArgs(search: CustomerListSearch, bounds: PageBounds) {
  return {
    paginationOpts: {
      numItems: PAGE_SIZE,
      cursor: bounds.cursor,
      ...(bounds.endCursor === undefined ? {} : { endCursor: bounds.endCursor }),
    },
    ...(search.status === "all" ? {} : { status: search.status }),
    sort: search.sort,
    ...(search.q ? { search: search.q } : {}),
  };
}

/** Every customers query, built in one place so loaders and components share keys. */
export const customerQueries = {
  page: (search: CustomerListSearch, bounds: PageBounds = { cursor: null }) =>
    convexQuery(api.customers.listByUser, listArgs(search, bounds)),
  detail: (id: string) => convexQuery(api.customers.get, { id }),
};
