import { useQuery } from "@tanstack/react-query";
import { createFileRoute, notFound, Outlet, retainSearchParams } from "@tanstack/react-router";
import { useEffect } from "react";
import type { Id } from "../../../../convex/_generated/dataModel";
import { ConnectionStatus } from "../../../components/connection-status";
import { ErrorPage, PendingPage } from "../../../components/route-states";
import { AccessLost, WorkspaceNotFound } from "../../../features/workspaces/components/access-lost";
import { rememberWorkspace } from "../../../features/workspaces/last-workspace";
import { findWorkspace, workspaceQueries } from "../../../features/workspaces/queries";
import { INVALID_WORKSPACE, validateWorkspaceSearch } from "../../../features/workspaces/search-params";

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
  beforeLoad: ({ search }) => {
    if (search.workspace === INVALID_WORKSPACE) throw notFound();
    // Membership is checked by the Convex functions themselves (and the loader below); the
    // pages' own queries answer null / NOT_FOUND for a non-member, which they turn into a 404.
    return { workspaceId: search.workspace as Id<"workspaces"> | undefined };
  },
  // A team page also needs the caller's workspaces (switcher, role, access); fetched beside the
  // page's own query, not before it, so a server render still makes one round trip to Convex.
  // A personal page needs none of it on the server: the switcher loads it after hydration.
  loader: async ({ context, deps }) => {
    if (deps.workspace === undefined) return;
    const workspaces = await context.queryClient.ensureQueryData(workspaceQueries.list());
    if (!findWorkspace(workspaces, deps.workspace)) throw notFound();
  },
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  notFoundComponent: WorkspaceNotFound,
  component: CustomersLayout,
});

function CustomersLayout() {
  const { workspace } = Route.useSearch();
  const { data: workspaces } = useQuery({ ...workspaceQueries.list(), enabled: workspace !== undefined });
  useEffect(() => rememberWorkspace(workspace), [workspace]);
  // Removed from the team while the page is open: the live list drops the workspace at once.
  if (workspace !== undefined && workspaces && !findWorkspace(workspaces, workspace)) return <AccessLost />;
  return (
    <>
      <ConnectionStatus />
      <Outlet />
    </>
  );
}
