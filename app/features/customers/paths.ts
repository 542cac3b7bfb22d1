import type { Id } from "../../../convex/_generated/dataModel";
import type { WorkspaceRef } from "./queries";

/**
 * A customer's page, as `<Link to="/customers/$customerId" params={…}>` builds it inside a
 * workspace (the layout retains `workspace`), for lists of plain anchors (`ROUTER_ANCHOR`), which
 * must not build a router location per row. tests/unit/customer-path.test.ts holds it to the
 * router's own href.
 */
export function customerPath(customerId: Id<"customers">, workspaceId: WorkspaceRef): string {
  const path = `/customers/${encodeURIComponent(customerId)}`;
  return workspaceId === undefined ? path : `${path}?${new URLSearchParams({ workspace: workspaceId }).toString()}`;
}
