import { createFileRoute } from "@tanstack/react-router";
import { ErrorPage, PendingPage } from "../../../../components/route-states";
import { orNotFound } from "../../../../lib/convex-errors";
import { FilesTab } from "../../../../features/customers/components/files-tab";
import { customerQueries } from "../../../../features/customers/queries";
import { customerTabTitle } from "../../../../features/customers/tabs";

export const Route = createFileRoute("/_authed/customers/$customerId/files")({
  loaderDeps: ({ search }) => ({ workspace: search.workspace }),
  loader: async ({ context, params }) => {
    await orNotFound(context.queryClient.ensureQueryData(customerQueries.files(context.workspaceId, params.customerId)));
  },
  head: ({ matches }) => customerTabTitle("Files", matches),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  component: function FilesRoute() {
    const { customerId } = Route.useParams();
    const { workspaceId } = Route.useRouteContext();
    return <FilesTab workspaceId={workspaceId} customerId={customerId} />;
  },
});
