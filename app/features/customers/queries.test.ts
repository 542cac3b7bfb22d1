import { QueryClient } from "@tanstack/react-query";
import { ConvexQueryClient } from "@convex-dev/react-query";
import { describe, expect, it, vi } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { customerQueries, ensureCustomer } from "./queries";
import { defaultCustomerListSearch } from "./search-params";

const TEAM = "team0000000000000000000000000000" as Id<"workspaces">;

function row(id: string, name: string) {
  return {
    _id: id as Id<"customers">,
    _creationTime: 1,
    name,
    email: `${name.toLowerCase()}@example.com`,
    status: "lead" as const,
  };
}

/** A query client as the app builds it (Convex's key hashing), whose fetches are recorded. */
function client() {
  const hashFn = new ConvexQueryClient("https://example.convex.cloud").hashFn();
  const queryFn = vi.fn(() => Promise.resolve(row("fetched", "Fetched")));
  return { queryClient: new QueryClient({ defaultOptions: { queries: { queryKeyHashFn: hashFn, queryFn } } }), queryFn };
}

function cacheList(queryClient: QueryClient, workspaceId: Id<"workspaces"> | undefined, rows: ReturnType<typeof row>[]) {
  queryClient.setQueryData(customerQueries.page(workspaceId, defaultCustomerListSearch).queryKey, {
    page: rows,
    isDone: true,
    continueCursor: "",
    summary: null,
  });
}

describe("ensureCustomer", () => {
  it("opens a customer from the list's row in the cache, asking Convex nothing", async () => {
    const { queryClient, queryFn } = client();
    cacheList(queryClient, undefined, [row("a", "Ada"), row("b", "Bob")]);
    await expect(ensureCustomer(queryClient, undefined, "b")).resolves.toMatchObject({ _id: "b", name: "Bob" });
    expect(queryFn).not.toHaveBeenCalled();
    expect(queryClient.getQueryData(customerQueries.detail(undefined, "b").queryKey)).toMatchObject({ name: "Bob" });
  });

  it("asks Convex for a customer no cached list of that workspace has", async () => {
    const { queryClient, queryFn } = client();
    cacheList(queryClient, TEAM, [row("b", "Team Bob")]);
    // The same id in another workspace's list is not this page's customer.
    await expect(ensureCustomer(queryClient, undefined, "b")).resolves.toMatchObject({ name: "Fetched" });
    await expect(ensureCustomer(queryClient, TEAM, "c")).resolves.toMatchObject({ name: "Fetched" });
    expect(queryFn).toHaveBeenCalledTimes(2);
  });

  it("keeps data the customer's own query already has over a list's row", async () => {
    const { queryClient, queryFn } = client();
    queryClient.setQueryData(customerQueries.detail(TEAM, "b").queryKey, row("b", "Newer Bob"));
    cacheList(queryClient, TEAM, [row("b", "Older Bob")]);
    await expect(ensureCustomer(queryClient, TEAM, "b")).resolves.toMatchObject({ name: "Newer Bob" });
    expect(queryFn).not.toHaveBeenCalled();
  });
});
