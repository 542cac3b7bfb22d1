import { createFileRoute, redirect, stripSearchParams } from "@tanstack/react-router";
import { ErrorPage, PendingPage } from "../../../components/route-states";
import { orNotFound } from "../../../lib/convex-errors";
import { customerQueries } from "../../../features/customers/queries";
import {
  defaultCustomerListSearch,
  parseCustomerListSearch,
  validateCustomerListSearch,
} from "../../../features/customers/search-params";
import { PERSONAL } from "../../../features/workspaces/last-workspace";
import { getLastWorkspace } from "../../../features/workspaces/last-workspace.functions";
import { findWorkspace, workspaceQueries } from "../../../features/workspaces/queries";

export const Route = createFileRoute("/_authed/customers/")({
  validateSearch: validateCustomerListSearch,
  // Defaults stay out of the URL: /customers, not /customers?status=all&sort=newest&q=.
  search: { middlewares: [stripSearchParams(defaultCustomerListSearch)] },
  loaderDeps: ({ search }) => search,
  // The workspace is part of the match: each workspace's list is its own preloadable page.
  beforeLoad: async ({ context, search }) => {
    // A full load of /customers (bookmark, landing after sign-in) opens the workspace used last.
    // In-app links name their workspace, so client-side navigations never jump elsewhere.
    if (typeof window !== "undefined" || search.workspace !== undefined) return;
    const last = await getLastWorkspace();
    const team =
      last && last !== PERSONAL ? findWorkspace(await context.queryClient.ensureQueryData(workspaceQueries.list()), last) : null;
    if (team?.kind === "team") throw redirect({ to: "/customers", search: { ...search, workspace: team._id } });
  },
  // Not a member (or no such workspace): the same 404 as the layout's.
  loader: async ({ context, deps }) => {
    await orNotFound(
      context.queryClient.ensureQueryData(customerQueries.page(context.workspaceId, parseCustomerListSearch(deps))),
    );
  },
  head: () => ({ meta: [{ title: "Customers · Clientele" }] }),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  // No component: the customers layout shows the list, and keeps it while a customer is open.
});
