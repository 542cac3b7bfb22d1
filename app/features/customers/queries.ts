import { convexQuery } from "@convex-dev/react-query";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { weekStartOf } from "../../../convex/lib/weeks";
import type { CustomerListSearch } from "./search-params";

export const PAGE_SIZE = 50;

/** The workspace a page acts on; undefined is the caller's personal workspace. */
export type WorkspaceRef = Id<"workspaces"> | undefined;

/** Where a list page starts, and (once the next page is loaded) where it is pinned to end. */
export interface PageBounds {
  cursor: string | null;
  endCursor?: string;
}

/**
 * Adds the workspace to a function's arguments, only when there is one: a personal page's
 * arguments (and so its query keys and optimistic updates) stay what they were before workspaces.
 */
export function inWorkspace<T extends object>(workspaceId: WorkspaceRef, args: T): T & { workspaceId?: Id<"workspaces"> } {
  return workspaceId === undefined ? args : { ...args, workspaceId };
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
    // The first page brings the status counts and chart; the week (not the moment) keeps its key stable.
    ...(bounds.cursor === null ? { summaryWeek: weekStartOf(Date.now()) } : {}),
  };
}

/** Every customers query, built in one place so loaders and components share keys. */
export const customerQueries = {
  page: (workspaceId: WorkspaceRef, search: CustomerListSearch, bounds: PageBounds = { cursor: null }) =>
    convexQuery(api.customers.listByUser, inWorkspace(workspaceId, listArgs(search, bounds))),
  detail: (workspaceId: WorkspaceRef, id: string) => convexQuery(api.customers.get, inWorkspace(workspaceId, { id })),
};
