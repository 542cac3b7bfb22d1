import { type QueryKey, useQueries, useQueryClient, useSuspenseQuery, type UseSuspenseQueryOptions } from "@tanstack/react-query";
import type { PaginationResult } from "convex/server";
import { useState } from "react";

/** Where a list page starts, and (once the next page is loaded) where it is pinned to end. */
export interface PageBounds {
  cursor: string | null;
  endCursor?: string;
}

/** What a paginated query answers: a page of rows with ids, and maybe more (a list's counts). */
type Page = Pick<PaginationResult<{ _id: string }>, "page" | "isDone" | "continueCursor">;

/** A page's query options, as `convexQuery` makes them. */
type PageQuery<R extends Page, K extends QueryKey> = (
  bounds: PageBounds,
) => Pick<UseSuspenseQueryOptions<R, Error, R, K>, "queryKey" | "queryFn" | "staleTime">;

/**
 * A live, paginated list of a Convex paginated query. Page 1 comes from the route's loader (SSR
 * and hover preload); "Load more" adds pages that start at the previous page's cursor. Each page
 * is its own live Convex query. When a page gets a successor it is pinned to end where the
 * successor starts, so rows inserted or removed later grow or shrink that page instead of
 * shifting rows between pages.
 */
export function useLivePages<R extends Page, K extends QueryKey>(pageQuery: PageQuery<R, K>) {
  const queryClient = useQueryClient();
  const [pages, setPages] = useState<PageBounds[]>([{ cursor: null }]);
  const first = useSuspenseQuery(pageQuery(pages[0]!));
  const rest = useQueries({ queries: pages.slice(1).map(pageQuery) });
  // Spreads the array of results, not a result's fields, which are still read one by one.
  // eslint-disable-next-line @tanstack/query/no-rest-destructuring
  const results = [first, ...rest];
  const last = results[results.length - 1]!;

  function loadMore() {
    const lastBounds = pages[pages.length - 1]!;
    const data = last.data;
    if (!data || data.isDone) return;
    const pinned: PageBounds = { cursor: lastBounds.cursor, endCursor: data.continueCursor };
    // The pinned query starts with the data already shown, so nothing flickers while it subscribes.
    queryClient.setQueryData<R>(pageQuery(pinned).queryKey, data);
    setPages([...pages.slice(0, -1), pinned, { cursor: data.continueCursor }]);
  }

  return {
    items: uniqueRows<R["page"][number]>(results.map((result) => result.data?.page ?? [])),
    /** The last page loaded says there is no more. */
    isDone: last.data?.isDone === true,
    /** The last page is loaded and says there is more. */
    canLoadMore: last.data !== undefined && !last.data.isDone,
    loadingMore: rest.some((page) => page.isPending),
    loadMore,
  };
}

/** Pages in order; a row that moved between pages while both were live is shown once. */
function uniqueRows<T extends { _id: string }>(pages: T[][]): T[] {
  const seen = new Set<string>();
  return pages.flat().filter((row) => !seen.has(row._id) && seen.add(row._id));
}
