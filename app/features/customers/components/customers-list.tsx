import { Link } from "@tanstack/react-router";
import { LoadMoreButton } from "../../../components/load-more-button";
import { ROUTER_ANCHOR } from "../../../components/router-anchors";
import { useLivePages } from "../../../lib/live-pages";
import { STATUS_LABELS } from "../format";
import { useTimeZone } from "../../../components/time-zone";
import { formatDate } from "../../../lib/format-date";
import { customerPath } from "../paths";
import { customerQueries, type WorkspaceRef } from "../queries";
import type { CustomerListSearch } from "../search-params";

/** The live, paginated table (app/lib/live-pages.ts); page 1 comes from the route's loader. */
export function CustomersList({ workspaceId, search }: { workspaceId: WorkspaceRef; search: CustomerListSearch }) {
  const {
    items: customers,
    isDone,
    canLoadMore,
    loadingMore,
    loadMore,
  } = useLivePages((bounds) => customerQueries.page(workspaceId, search, bounds));
  const timeZone = useTimeZone();

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
                  {/* A plain anchor the router handles (ROUTER_ANCHOR), not a <Link> per row: ADR 007. */}
                  <a
                    href={customerPath(customer._id, workspaceId)}
                    {...ROUTER_ANCHOR}
                    data-testid="customer-row"
                    className="row-link"
                  >
                    {customer.name}
                  </a>
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
                  <time dateTime={new Date(customer._creationTime).toISOString()}>
                    {formatDate(customer._creationTime, timeZone)}
                  </time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="list-footer">
        <span className="muted">
          {customers.length} shown{isDone ? "" : ", more available"}
        </span>
        <LoadMoreButton canLoadMore={canLoadMore} loadingMore={loadingMore} loadMore={loadMore} />
      </div>
    </>
  );
}
