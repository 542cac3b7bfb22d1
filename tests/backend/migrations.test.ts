/**
 * The workspace migration as `npm start` runs it: the project's functions on the local backend,
 * pre-workspace customers (only a userId) written as an older version stored them, then the
 * admin-key runner from scripts/lib/migrate.ts, twice; the backfill counts them (customerCounts).
 */
import { ConvexHttpClient } from "convex/browser";
import { describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { runMigrations } from "../../scripts/lib/migrate";
import { ISSUER, projectBackend, signToken } from "./helpers";

const project = projectBackend();

async function clientOf(user: string): Promise<ConvexHttpClient> {
  const client = new ConvexHttpClient(project.backend.url);
  client.setAuth(await signToken(project.keys, user, { claims: { email: user, email_verified: true } }));
  return client;
}

describe("migrations:customersToWorkspaces and customersBackfill on the local backend", () => {
  it("moves every legacy row into its owner's personal workspace; a second run changes nothing", async () => {
    const legacy = Array.from({ length: 2500 }, (_, i) => {
      const owner = i % 2 ? "ann@example.com" : "ben@example.com";
      return {
        userId: `${ISSUER}|${owner}`,
        name: `Old ${i}`,
        email: `old${i}@example.com`,
        status: "lead",
        searchText: `Old ${i}`,
      };
    });
    await project.backend.bulkInsert("customers", legacy);
    const ann = await clientOf("ann@example.com");
    // Not visible before the migration: rows without a workspace belong to none.
    expect((await ann.query(api.customers.listByUser, { paginationOpts: { numItems: 5, cursor: null } })).page).toEqual([]);

    expect(await runMigrations(project.backend.url, project.backend.adminKey)).toEqual({
      customersToWorkspaces: 2500,
      customersBackfill: 2500,
    });
    expect(await runMigrations(project.backend.url, project.backend.adminKey)).toEqual({
      customersToWorkspaces: 0,
      customersBackfill: 0,
    });

    const first = await ann.query(api.customers.listByUser, { paginationOpts: { numItems: 3, cursor: null } });
    expect(first.page.map((c) => c.name)).toEqual(["Old 2499", "Old 2497", "Old 2495"]);
    const search = await ann.query(api.customers.listByUser, { paginationOpts: { numItems: 5, cursor: null }, search: "2498" });
    expect(search.page).toEqual([]);
    const workspaces = await ann.query(api.workspaces.list, {});
    expect(workspaces).toEqual([expect.objectContaining({ kind: "personal", role: "admin" })]);
    // Counted by the backfill (the aggregate component on the local backend), then kept in step.
    const countsOf = async () =>
      (await ann.query(api.customers.listByUser, { paginationOpts: { numItems: 1, cursor: null }, summaryWeek: Date.now() }))
        .summary?.counts;
    expect(await countsOf()).toEqual({ all: 1250, lead: 1250, active: 0, inactive: 0 });
    // Ann's next write lands in the same personal workspace.
    await ann.mutation(api.customers.create, { name: "New one", email: "new@example.com", status: "active" });
    expect(await ann.query(api.workspaces.list, {})).toEqual(workspaces);
    expect(await countsOf()).toEqual({ all: 1251, lead: 1250, active: 1, inactive: 0 });
  });

  it("refuses the migration without the admin key", async () => {
    await expect(runMigrations(project.backend.url, "local|not-the-key")).rejects.toThrow();
  });
});
