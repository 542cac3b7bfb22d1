import { useSuspenseQuery } from "@tanstack/react-query";
import { createFileRoute, notFound, Outlet, retainSearchParams } from "@tanstack/react-router";
import { useEffect } from "react";
import { ConnectionStatus } from "../../../components/connection-status";
import { ErrorPage, PendingPage } from "../../../components/route-states";
import { AccessLost, WorkspaceNotFound } from "../../../features/workspaces/components/access-lost";
import { rememberWorkspace } from "../../../features/workspaces/last-workspace";
import { findWorkspace, workspaceQueries } from "../../../features/workspaces/queries";
import { validateWorkspaceSearch } from "../../../features/workspaces/search-params";

/**
 * Every customers page acts on one workspace: `?workspace=<id>` (a team), or none (the caller's
 * personal workspace). In-app links keep the parameter (retainSearchParams), so list, detail and
 * forms stay in the workspace, and the URL opens the same page for any member.
 */
export const Route = createFileRoute("/_authed/customers")({
  validateSearch: validateWorkspaceSearch,
  search: { middlewares: [retainSearchParams(["workspace"])] },
  // One match per workspace: switching remounts the pages and preloads the target like a new page.
  loaderDeps: ({ search }) => ({ workspace: search.workspace }),
  beforeLoad: async ({ context, search }) => {
    // Cached and kept live by its subscription: after the first load this costs nothing.
    const workspaces = await context.queryClient.ensureQueryData(workspaceQueries.list());
    if (search.workspace === undefined) return { workspaceId: undefined, canDelete: true };
    const workspace = findWorkspace(workspaces, search.workspace);
    if (!workspace) throw notFound();
    // A personal workspace's id means the same as no id.
    return { workspaceId: workspace.kind === "team" ? workspace._id : undefined, canDelete: workspace.role === "admin" };
  },
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  notFoundComponent: WorkspaceNotFound,
  component: CustomersLayout,
});

function CustomersLayout() {
  const { workspace } = Route.useSearch();
  const { data: workspaces } = useSuspenseQuery(workspaceQueries.list());
  useEffect(() => rememberWorkspace(workspace), [workspace]);
  // Removed from the team while the page is open: the live list drops the workspace at once.
  if (workspace !== undefined && !findWorkspace(workspaces, workspace)) return <AccessLost />;
  return (
    <>
      <ConnectionStatus />
      <Outlet />
    </>
  );
}

