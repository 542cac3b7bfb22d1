import { createFileRoute } from "@tanstack/react-router";
import { ErrorPage, PendingPage } from "../../../../components/route-states";
import { orNotFound } from "../../../../lib/convex-errors";
import { NotesTab } from "../../../../features/customers/components/notes-tab";
import { customerQueries } from "../../../../features/customers/queries";
import { customerTabTitle } from "../../../../features/customers/tabs";

export const Route = createFileRoute("/_authed/customers/$customerId/notes")({
  loaderDeps: ({ search }) => ({ workspace: search.workspace }),
  loader: async ({ context, params }) => {
    await orNotFound(context.queryClient.ensureQueryData(customerQueries.notes(context.workspaceId, params.customerId)));
  },
  head: ({ matches }) => customerTabTitle("Notes", matches),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  component: function NotesRoute() {
    const { customerId } = Route.useParams();
    const { workspaceId } = Route.useRouteContext();
    return <NotesTab workspaceId={workspaceId} customerId={customerId} />;
  },
});
