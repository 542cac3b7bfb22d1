import { createFileRoute, notFound, useNavigate } from "@tanstack/react-router";
import { useCallback } from "react";
import { useEscapeGoesBack } from "../../../../components/navigation-focus";
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
    const { workspace } = Route.useSearch();
    const navigate = useNavigate();
    useEscapeGoesBack(useCallback(() => void navigate({ to: "/customers", search: { workspace } }), [navigate, workspace]));
    const canDelete = useWorkspaceRole(workspaceId) === "admin";
    return <CustomerDetail workspaceId={workspaceId} customerId={customerId} canDelete={canDelete} />;
  },
});
