import { createFileRoute } from "@tanstack/react-router";
import { ErrorPage, PendingPage } from "../../../components/route-states";
import { WorkspacesPage } from "../../../features/workspaces/components/workspaces-page";
import { workspaceQueries } from "../../../features/workspaces/queries";

export const Route = createFileRoute("/_authed/workspaces/")({
  loader: ({ context }) =>
    Promise.all([
      context.queryClient.ensureQueryData(workspaceQueries.list()),
      context.queryClient.ensureQueryData(workspaceQueries.invitations()),
    ]),
  head: () => ({ meta: [{ title: "Workspaces · Clientele" }] }),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  component: WorkspacesPage,
});
