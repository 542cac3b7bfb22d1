import { createFileRoute } from "@tanstack/react-router";
import { ErrorPage, PendingPage } from "../../../../components/route-states";
import { orNotFound } from "../../../../lib/convex-errors";
import { ActivityTab } from "../../../../features/customers/components/activity-tab";
import { customerQueries } from "../../../../features/customers/queries";
import { customerTabTitle } from "../../../../features/customers/tabs";

export const Route = createFileRoute("/_authed/customers/$customerId/activity")({
  loaderDeps: ({ search }) => ({ workspace: search.workspace }),
  loader: async ({ context, params }) => {
    await orNotFound(context.queryClient.ensureQueryData(customerQueries.activity(context.workspaceId, params.customerId)));
  },
  head: ({ matches }) => customerTabTitle("Activity", matches),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  component: function ActivityRoute() {
    const { customerId } = Route.useParams();
    const { workspaceId } = Route.useRouteContext();
    return <ActivityTab workspaceId={workspaceId} customerId={customerId} />;
  },
});
