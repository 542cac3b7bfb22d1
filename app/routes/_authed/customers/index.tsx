import { createFileRoute, Link, stripSearchParams } from "@tanstack/react-router";
import { ErrorPage, PendingPage } from "../../../components/route-states";
import { CustomerFilters } from "../../../features/customers/components/customer-filters";
import { CustomersList } from "../../../features/customers/components/customers-list";
import { customerQueries } from "../../../features/customers/queries";
import { defaultCustomerListSearch, validateCustomerListSearch } from "../../../features/customers/search-params";

export const Route = createFileRoute("/_authed/customers/")({
  validateSearch: validateCustomerListSearch,
  // Defaults stay out of the URL: /customers, not /customers?status=all&sort=newest&q=.
  search: { middlewares: [stripSearchParams(defaultCustomerListSearch)] },
  loaderDeps: ({ search }) => search,
  loader: ({ context, deps }) => context.queryClient.ensureQueryData(customerQueries.page(deps)),
  head: () => ({ meta: [{ title: "Customers · Clientele" }] }),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  component: CustomersPage,
});

function CustomersPage() {
  const search = Route.useSearch();
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
      <CustomersList key={JSON.stringify(search)} search={search} />
    </section>
  );
}
