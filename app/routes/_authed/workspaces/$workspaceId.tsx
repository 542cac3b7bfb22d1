import { createFileRoute, notFound } from "@tanstack/react-router";
import type { Id } from "../../../../convex/_generated/dataModel";
import { ErrorPage, PendingPage } from "../../../components/route-states";
import { WorkspaceNotFound } from "../../../features/workspaces/components/access-lost";
import { WorkspaceSettings } from "../../../features/workspaces/components/workspace-settings";
import { findWorkspace, workspaceQueries } from "../../../features/workspaces/queries";

export const Route = createFileRoute("/_authed/workspaces/$workspaceId")({
  loader: async ({ context, params }) => {
    // Membership first: a non-member gets the same 404 as for a workspace that does not exist.
    const workspace = findWorkspace(await context.queryClient.ensureQueryData(workspaceQueries.list()), params.workspaceId);
    if (!workspace) throw notFound();
    // Together: one round trip. Only admins may read the invitations they sent and web-to-lead.
    const admin = workspace.role === "admin";
    await Promise.all([
      context.queryClient.ensureQueryData(workspaceQueries.members(workspace._id)),
      admin ? context.queryClient.ensureQueryData(workspaceQueries.sentInvitations(workspace._id)) : null,
      admin ? context.queryClient.ensureQueryData(workspaceQueries.webToLead(workspace._id)) : null,
    ]);
    return { name: workspace.name };
  },
  head: ({ loaderData }) => ({ meta: [{ title: `${loaderData?.name ?? "Workspace"} · Clientele` }] }),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  notFoundComponent: WorkspaceNotFound,
  component: function WorkspaceRoute() {
    const { workspaceId } = Route.useParams();
    return <WorkspaceSettings workspaceId={workspaceId as Id<"workspaces">} />;
  },
});
