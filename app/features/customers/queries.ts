import { convexQuery } from "@convex-dev/react-query";
import type { QueryClient } from "@tanstack/react-query";
import { type FunctionReturnType, getFunctionName } from "convex/server";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { weekStartOf } from "../../../convex/lib/weeks";
import type { PageBounds } from "../../lib/live-pages";
import type { CustomerListSearch } from "./search-params";

export const PAGE_SIZE = 50;
/** Entries per page of a customer's history. */
export const ACTIVITY_PAGE_SIZE = 30;
/** Notes per page of a customer's notes. */
export const NOTES_PAGE_SIZE = 20;
/** Files per page of a customer's files. */
export const FILES_PAGE_SIZE = 20;

/** The workspace a page acts on; undefined is the caller's personal workspace. */
export type WorkspaceRef = Id<"workspaces"> | undefined;

/**
 * Adds the workspace to a function's arguments, only when there is one: a personal page's
 * arguments (and so its query keys and optimistic updates) stay what they were before workspaces.
 */
export function inWorkspace<T extends object>(workspaceId: WorkspaceRef, args: T): T & { workspaceId?: Id<"workspaces"> } {
  return workspaceId === undefined ? args : { ...args, workspaceId };
}

/** A page of `size` rows within `bounds`, as Convex's paginate() takes it. */
function paginationOpts(bounds: PageBounds, size: number) {
  return {
    numItems: size,
    cursor: bounds.cursor,
    ...(bounds.endCursor === undefined ? {} : { endCursor: bounds.endCursor }),
  };
}

const FIRST_PAGE: PageBounds = { cursor: null };

/** The list's filters as the Convex function takes them; the one place they are translated. */
export function listFilters(search: CustomerListSearch) {
  return {
    ...(search.status === "all" ? {} : { status: search.status }),
    sort: search.sort,
    ...(search.q ? { search: search.q } : {}),
  };
}

function listArgs(search: CustomerListSearch, bounds: PageBounds) {
  return {
    paginationOpts: paginationOpts(bounds, PAGE_SIZE),
    ...listFilters(search),
    // The first page brings the status counts and chart; the week (not the moment) keeps its key stable.
    ...(bounds.cursor === null ? { summaryWeek: weekStartOf(Date.now()) } : {}),
  };
}

/** Every customers query, built in one place so loaders and components share keys. */
export const customerQueries = {
  page: (workspaceId: WorkspaceRef, search: CustomerListSearch, bounds: PageBounds = FIRST_PAGE) =>
    convexQuery(api.customers.listByUser, inWorkspace(workspaceId, listArgs(search, bounds))),
  detail: (workspaceId: WorkspaceRef, id: string) => convexQuery(api.customers.get, inWorkspace(workspaceId, { id })),
  /** A page of the customer's history, newest first. */
  activity: (workspaceId: WorkspaceRef, customerId: string, bounds: PageBounds = FIRST_PAGE) =>
    convexQuery(
      api.activity.list,
      inWorkspace(workspaceId, { customerId, paginationOpts: paginationOpts(bounds, ACTIVITY_PAGE_SIZE) }),
    ),
  /** A page of the customer's notes, newest first. */
  notes: (workspaceId: WorkspaceRef, customerId: string, bounds: PageBounds = FIRST_PAGE) =>
    convexQuery(
      api.notes.list,
      inWorkspace(workspaceId, { customerId, paginationOpts: paginationOpts(bounds, NOTES_PAGE_SIZE) }),
    ),
  /** A page of the customer's files, newest first, each with its URL. */
  files: (workspaceId: WorkspaceRef, customerId: string, bounds: PageBounds = FIRST_PAGE) =>
    convexQuery(
      api.files.list,
      inWorkspace(workspaceId, { customerId, paginationOpts: paginationOpts(bounds, FILES_PAGE_SIZE) }),
    ),
};

type CustomerPage = FunctionReturnType<typeof api.customers.listByUser>;
type Customer = NonNullable<FunctionReturnType<typeof api.customers.get>>;

const LIST_FUNCTION = getFunctionName(api.customers.listByUser);

/** The customer as a page of the workspace's list in the cache has it, if one does. */
function listedCustomer(queryClient: QueryClient, workspaceId: WorkspaceRef, id: string): Customer | undefined {
  const lists = queryClient.getQueriesData<CustomerPage>({
    predicate: ({ queryKey }) =>
      queryKey[0] === "convexQuery" &&
      queryKey[1] === LIST_FUNCTION &&
      (queryKey[2] as { workspaceId?: string }).workspaceId === workspaceId,
  });
  for (const [, list] of lists) {
    const row = list?.page.find((customer) => customer._id === id);
    if (row) return row;
  }
  return undefined;
}

/**
 * A customer for a loader. When a page of the list in the cache has it, that row is the
 * customer's first data: the same document `customers:get` returns (both through `toCustomer`),
 * kept current by the list's own subscription. Its page then opens without waiting for Convex,
 * from a tap or a click that no hover preloaded, while the customer's subscription starts beside
 * it and takes over (docs/decisions/007). Otherwise Convex is asked, as `ensureQueryData` does.
 */
export async function ensureCustomer(queryClient: QueryClient, workspaceId: WorkspaceRef, id: string): Promise<Customer | null> {
  const detail = customerQueries.detail(workspaceId, id);
  if (queryClient.getQueryData(detail.queryKey) === undefined) {
    const row = listedCustomer(queryClient, workspaceId, id);
    if (row) queryClient.setQueryData(detail.queryKey, row);
  }
  return await queryClient.ensureQueryData(detail);
}
