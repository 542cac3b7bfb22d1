import { Link } from "@tanstack/react-router";
import type { WorkspaceRef } from "../queries";
import type { CustomerListSearch } from "../search-params";
import { CustomerFilters } from "./customer-filters";
import { CustomersList } from "./customers-list";

/** The customers list page: its header, the filters and the live table. */
export function CustomersPage({ workspaceId, search }: { workspaceId: WorkspaceRef; search: CustomerListSearch }) {
  return (
    <section>
      <header className="page-header">
        <h1>Customers</h1>
        <Link to="/customers/new" className="button">
          New customer
        </Link>
      </header>
      <CustomerFilters search={search} />
      {/* Keyed by the filters: a new filter starts again from page 1. */}
      <CustomersList key={JSON.stringify([workspaceId, search])} workspaceId={workspaceId} search={search} />
    </section>
  );
}
