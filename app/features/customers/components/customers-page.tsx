import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { customerQueries, type WorkspaceRef } from "../queries";
import type { CustomerListSearch } from "../search-params";
import { CustomerFilters } from "./customer-filters";
import { CustomersChart } from "./customers-chart";
import { ExportButton } from "./export-button";
import { CustomersList } from "./customers-list";

/** The customers list page: its header, the filters and the live table. */
export function CustomersPage({ workspaceId, search }: { workspaceId: WorkspaceRef; search: CustomerListSearch }) {
  // The list's first page (loaded by the route) carries the workspace's live counts; while another
  // filter's first page loads, the previous counts stay (they do not depend on the filter).
  const { data } = useQuery({ ...customerQueries.page(workspaceId, search), placeholderData: keepPreviousData });
  const summary = data?.summary ?? undefined;
  return (
    <section>
      <header className="page-header">
        <h1>Customers</h1>
        <div className="page-actions">
          <ExportButton workspaceId={workspaceId} search={search} />
          <Link to="/customers/import" className="button button-secondary">
            Import
          </Link>
          <Link to="/customers/new" className="button">
            New customer
          </Link>
        </div>
      </header>
      {summary ? <CustomersChart weeks={summary.weeks} /> : null}
      <CustomerFilters search={search} counts={summary?.counts} />
      {/* Keyed by the filters: a new filter starts again from page 1. */}
      <CustomersList key={JSON.stringify([workspaceId, search])} workspaceId={workspaceId} search={search} />
    </section>
  );
}
