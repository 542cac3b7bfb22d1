import { useQuery } from "@tanstack/react-query";
import { createFileRoute, notFound, Outlet, retainSearchParams, useMatch } from "@tanstack/react-router";
import { memo, useEffect, useMemo, useState } from "react";
import type { Id } from "../../../../convex/_generated/dataModel";
import { ConnectionStatus } from "../../../components/connection-status";
import { useRouteCodeWhenIdle } from "../../../components/route-code-when-idle";
import { ErrorPage, PendingPage } from "../../../components/route-states";
import { CustomersPage } from "../../../features/customers/components/customers-page";
import type { CustomerListSearch } from "../../../features/customers/search-params";
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
  const { workspaceId } = Route.useRouteContext();
  const { data: workspaces } = useQuery({ ...workspaceQueries.list(), enabled: workspace !== undefined });
  useEffect(() => rememberWorkspace(workspace), [workspace]);
  // Removed from the team while the page is open: the live list drops the workspace at once.
  if (workspace !== undefined && workspaces && !findWorkspace(workspaces, workspace)) return <AccessLost />;
  return (
    <>
      <ConnectionStatus />
      <KeptList workspaceId={workspaceId} />
      <Outlet />
    </>
  );
}

/**
 * The list (the index route, which has no component of its own) stays mounted while a customer
 * is open, hidden by the `hidden` attribute: opening a customer hides the rows instead of
 * unmounting them, and Back shows them at once, scrolled and focused where they were. Not
 * React's `<Activity>`: hiding with it stops every row's effects and showing it starts them
 * again, work on each click and each Back that made the click slower (ADR 007); hidden this way
 * the list stays subscribed and live. One layout per workspace (loaderDeps), so a kept list
 * never crosses workspaces.
 */
function KeptList({ workspaceId }: { workspaceId: Id<"workspaces"> | undefined }) {
  const listSearch = useMatch({
    from: "/_authed/customers/",
    shouldThrow: false,
    // Only a list that loaded: a pending, failed or 404 list shows the route's own component.
    select: (match) => (match.status === "success" ? match.search : null),
  });
  // Kept under a customer's page (any of its tabs) only: the forms (new, edit) have fields named
  // as the filters are.
  const onCustomer = useMatch({ from: "/_authed/customers/$customerId", shouldThrow: false, select: () => true }) ?? false;
  const [kept, setKept] = useState(listSearch);
  if (listSearch && listSearch !== kept) setKept(listSearch);
  // The filters without `workspace`: the same object the index route's loader asked for.
  const search = useMemo<CustomerListSearch | null>(
    () => (kept ? { status: kept.status, sort: kept.sort, q: kept.q } : null),
    [kept],
  );
  if (!search || (!listSearch && !onCustomer)) return null;
  return (
    <div className="kept-list" hidden={!listSearch}>
      <ListPage workspaceId={workspaceId} search={search} />
    </div>
  );
}

const CUSTOMER_PAGE_ROUTES = ["/_authed/customers/$customerId", "/_authed/customers/$customerId/"] as const;

// Memoized: hiding or showing it re-renders KeptList, not the list.
const ListPage = memo(function ListPage({
  workspaceId,
  search,
}: {
  workspaceId: Id<"workspaces"> | undefined;
  search: CustomerListSearch;
}) {
  // Rows open a customer's Overview: its code (the customer's layout and the tab) is here before
  // a tap, which has no hover to preload during.
  useRouteCodeWhenIdle(CUSTOMER_PAGE_ROUTES);
  return <CustomersPage workspaceId={workspaceId} search={search} />;
});
