import { createMemoryHistory, createRouter } from "@tanstack/react-router";
import { describe, expect, it } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import type { RouterContext } from "../../app/routes/__root";
import { routeTree } from "../../app/routeTree.gen";
import { customerPath } from "../../app/features/customers/paths";

const customerId = "k57c1jvz1n8f4wkqm9q5z3xj4d7m3e2a" as Id<"customers">;
const workspaceId = "jd7fq1x2yd9hgm3gz4v6y2bq8n7m3e2b" as Id<"workspaces">;

/** What `<Link to="/customers/$customerId">` gives on a list page at `from`. */
async function linkHref(from: string): Promise<string> {
  // Building a location runs no loader or beforeLoad: the context is never read.
  const context = {} as RouterContext;
  const router = createRouter({ routeTree, context, history: createMemoryHistory({ initialEntries: [from] }) });
  // Built from the router's current location (`latestLocation`), as a <Link> is.
  return router.buildLocation({ to: "/customers/$customerId", params: { customerId } }).href;
}

describe("customerPath", () => {
  it("is the router's own href for a row in the personal workspace", async () => {
    expect(customerPath(customerId, undefined)).toBe(await linkHref("/customers?status=lead&sort=name"));
  });

  it("keeps the team workspace as the router's search middleware does", async () => {
    expect(customerPath(customerId, workspaceId)).toBe(await linkHref(`/customers?workspace=${workspaceId}&q=ada`));
  });
});
