import { useQueries, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import type { Customer } from "../../../../convex/customers";
import { formatCreated, STATUS_LABELS } from "../format";
import { customerQueries, type PageBounds, type WorkspaceRef } from "../queries";
import type { CustomerListSearch } from "../search-params";

/**
 * The live, paginated table. Page 1 comes from the route loader (SSR and hover preload); "Load
 * more" adds pages that start at the previous page's cursor. Each page is its own live Convex
 * query. When a page gets a successor it is pinned to end where the successor starts, so rows
 * inserted or removed later grow or shrink that page instead of shifting rows between pages.
 */
export function CustomersList({ workspaceId, search }: { workspaceId: WorkspaceRef; search: CustomerListSearch }) {
  const queryClient = useQueryClient();
  const [pages, setPages] = useState<PageBounds[]>([{ cursor: null }]);
  const first = useSuspenseQuery(customerQueries.page(workspaceId, search, pages[0]));
  const rest = useQueries({ queries: pages.slice(1).map((bounds) => customerQueries.page(workspaceId, search, bounds)) });
  // Spreads the array of results, not a result's fields, which are still read one by one.
  // eslint-disable-next-line @tanstack/query/no-rest-destructuring
  const results = [first, ...rest];
  const last = results[results.length - 1]!;
  const loadingMore = rest.some((page) => page.isPending);

  const customers = uniqueRows(results.map((result) => result.data?.page ?? []));

  function loadMore() {
    const lastBounds = pages[pages.length - 1]!;
    const data = last.data;
    if (!data || data.isDone) return;
    const pinned: PageBounds = { cursor: lastBounds.cursor, endCursor: data.continueCursor };
    // The pinned query starts with the data already shown, so nothing flickers while it subscribes.
    queryClient.setQueryData(customerQueries.page(workspaceId, search, pinned).queryKey, data);
    setPages([...pages.slice(0, -1), pinned, { cursor: data.continueCursor }]);
  }

  if (customers.length === 0) {
    return (
      <div className="empty-state">
        <p>{search.q || search.status !== "all" ? "No customers match these filters." : "No customers yet."}</p>
        <Link to="/customers/new" className="button">
          Add your first customer
        </Link>
      </div>
    );
  }

  return (
    <>
      <div className="table-wrap">
        <table className="table" data-testid="customers-table">
          <caption className="visually-hidden">Customers</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="hide-small">
                Email
              </th>
              <th scope="col" className="hide-narrow">
                Company
              </th>
              <th scope="col">Status</th>
              <th scope="col" className="hide-narrow">
                Created
              </th>
            </tr>
          </thead>
          <tbody>
            {customers.map((customer) => (
              <tr key={customer._id}>
                <th scope="row">
                  <Link
                    to="/customers/$customerId"
                    params={{ customerId: customer._id }}
                    data-testid="customer-row"
                    className="row-link"
                  >
                    {customer.name}
                  </Link>
                </th>
                <td className="hide-small" title={customer.email}>
                  {customer.email}
                </td>
                <td className="hide-narrow" title={customer.company}>
                  {customer.company ?? ""}
                </td>
                <td>
                  <span className={`badge badge-${customer.status}`}>{STATUS_LABELS[customer.status]}</span>
                </td>
                <td className="hide-narrow">
                  <time dateTime={new Date(customer._creationTime).toISOString()}>{formatCreated(customer._creationTime)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="list-footer">
        <span className="muted">
          {customers.length} shown{last.data?.isDone ? "" : ", more available"}
        </span>
        {last.data && !last.data.isDone ? (
          <button type="button" className="button button-secondary" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? "Loading…" : "Load more"}
          </button>
        ) : null}
      </div>
    </>
  );
}

/** Pages in order; a row that moved between pages while both were live is shown once. */
function uniqueRows(pages: Customer[][]): Customer[] {
  const seen = new Set<string>();
  return pages.flat().filter((customer) => !seen.has(customer._id) && seen.add(customer._id));
}
