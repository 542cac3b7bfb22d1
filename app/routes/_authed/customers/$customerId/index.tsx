import { createFileRoute, notFound } from "@tanstack/react-router";
import { ErrorPage, NotFoundPage, PendingPage } from "../../../../components/route-states";
import { CustomerDetail } from "../../../../features/customers/components/customer-detail";
import { customerQueries } from "../../../../features/customers/queries";
import { useWorkspaceRole } from "../../../../features/workspaces/queries";

export const Route = createFileRoute("/_authed/customers/$customerId/")({
  loaderDeps: ({ search }) => ({ workspace: search.workspace }),
  loader: async ({ context, params }) => {
    const customer = await context.queryClient.ensureQueryData(customerQueries.detail(context.workspaceId, params.customerId));
    // Unknown, malformed and other users' ids all read as null: one 404, nothing leaked.
    if (!customer) throw notFound();
    return { name: customer.name };
  },
  head: ({ loaderData }) => ({ meta: [{ title: `${loaderData?.name ?? "Customer"} · Clientele` }] }),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  notFoundComponent: () => <NotFoundPage what="customer" />,
  component: function CustomerRoute() {
    const { customerId } = Route.useParams();
    const { workspaceId } = Route.useRouteContext();
    const canDelete = useWorkspaceRole(workspaceId) === "admin";
    return <CustomerDetail workspaceId={workspaceId} customerId={customerId} canDelete={canDelete} />;
  },
});
