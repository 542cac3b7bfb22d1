import { createFileRoute, notFound, Outlet, useNavigate } from "@tanstack/react-router";
import { useCallback } from "react";
import { useEscapeGoesBack } from "../../../../components/navigation-focus";
import { ErrorPage, NotFoundPage, PendingPage } from "../../../../components/route-states";
import { CustomerPage } from "../../../../features/customers/components/customer-page";
import { ensureCustomer } from "../../../../features/customers/queries";

/**
 * A customer's page: its header and tabs, each tab a child route. This loader and the tab's run
 * in parallel (the router awaits every match's loader together), so a server render or a hover
 * asks Convex for the customer and the tab's data at once.
 */
export const Route = createFileRoute("/_authed/customers/$customerId")({
  loaderDeps: ({ search }) => ({ workspace: search.workspace }),
  loader: async ({ context, params }) => {
    const customer = await ensureCustomer(context.queryClient, context.workspaceId, params.customerId);
    // Unknown, malformed and other workspaces' ids all read as null: one 404 for every tab, nothing leaked.
    if (!customer) throw notFound();
    return { name: customer.name };
  },
  head: ({ loaderData }) => ({ meta: [{ title: `${loaderData?.name ?? "Customer"} · Clientele` }] }),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  notFoundComponent: () => <NotFoundPage what="customer" />,
  component: function CustomerLayout() {
    const { customerId } = Route.useParams();
    const { workspaceId } = Route.useRouteContext();
    const { workspace } = Route.useSearch();
    const navigate = useNavigate();
    useEscapeGoesBack(useCallback(() => void navigate({ to: "/customers", search: { workspace } }), [navigate, workspace]));
    return (
      <CustomerPage workspaceId={workspaceId} customerId={customerId}>
        <Outlet />
      </CustomerPage>
    );
  },
});
