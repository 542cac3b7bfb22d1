import { ConvexQueryClient, convexQuery } from "@convex-dev/react-query";
import { QueryClient } from "@tanstack/react-query";
import { ConvexHttpClient } from "convex/browser";
import { ConvexReactClient } from "convex/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { startTestBackend, waitFor, type TestBackend } from "./helpers";

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend.destroy();
});

describe("React clients", () => {
  it("ConvexReactClient watches a query and sees a mutation's write", async () => {
    const client = new ConvexReactClient(backend.url);
    const watch = client.watchQuery(api.contacts.listByOwner, { owner: "react" });
    const results: number[] = [];
    const stop = watch.onUpdate(() => {
      const value = watch.localQueryResult();
      if (value) results.push(value.length);
    });
    await waitFor(() => results.length > 0, 3000, "first result");
    await client.mutation(api.contacts.add, { owner: "react", name: "R", email: "r@x" });
    await waitFor(() => results.at(-1) === 1, 3000, "update");
    stop();
    await client.close();
  });

  it("@convex-dev/react-query's ConvexQueryClient fetches through its (server-side, consistent) query function", async () => {
    await new ConvexHttpClient(backend.url).mutation(api.contacts.add, { owner: "rq", name: "Q", email: "q@x" });
    const convexQueryClient = new ConvexQueryClient(backend.url);
    const queryClient = new QueryClient({
      defaultOptions: { queries: { queryKeyHashFn: convexQueryClient.hashFn(), queryFn: convexQueryClient.queryFn() } },
    });
    convexQueryClient.connect(queryClient);
    const result = await queryClient.fetchQuery(convexQuery(api.contacts.listByOwner, { owner: "rq" }));
    expect(result.map((c) => c.name)).toEqual(["Q"]);
    queryClient.clear();
    await convexQueryClient.convexClient.close();
  });
});
