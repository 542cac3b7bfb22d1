import { createFileRoute } from "@tanstack/react-router";
import { ErrorPage, PendingPage } from "../../../../components/route-states";
import { CustomerOverview } from "../../../../features/customers/components/customer-overview";
import { ensureCustomer } from "../../../../features/customers/queries";
import { useWorkspaceRole } from "../../../../features/workspaces/queries";

/** The Overview tab: the customer's fields. Its query is the layout's, asked once. */
export const Route = createFileRoute("/_authed/customers/$customerId/")({
  loaderDeps: ({ search }) => ({ workspace: search.workspace }),
  loader: async ({ context, params }) => {
    await ensureCustomer(context.queryClient, context.workspaceId, params.customerId);
  },
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  component: function OverviewTab() {
    const { customerId } = Route.useParams();
    const { workspaceId } = Route.useRouteContext();
    const canDelete = useWorkspaceRole(workspaceId) === "admin";
    return <CustomerOverview workspaceId={workspaceId} customerId={customerId} canDelete={canDelete} />;
  },
});
