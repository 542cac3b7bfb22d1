/**
 * Query results are cached as Convex caches them: the same query, arguments and caller are
 * answered without running the function again until a commit writes something it read. Not
 * served across callers, not kept when the run logged (Convex logs only runs). The fixture's
 * queries return how many times their module ran: a cached answer repeats the count.
 */
import { ConvexHttpClient } from "convex/browser";
import { describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { fixtureBackendWithAuth, signToken } from "./helpers";

const ctx = fixtureBackendWithAuth();

describe("the query cache", () => {
  it("answers a repeated query from cache until a commit writes what it read, and only that", async () => {
    const { http } = ctx;
    await http.mutation(api.contacts.add, { owner: "cache-a", name: "Ada", email: "ada@example.com" });
    const first = await http.query(api.cachedReads.ownedContacts, { owner: "cache-a" });
    expect(first.names).toEqual(["Ada"]);
    expect(await http.query(api.cachedReads.ownedContacts, { owner: "cache-a" })).toEqual(first);

    // Another owner's row is outside the range it read: still cached.
    await http.mutation(api.contacts.add, { owner: "cache-b", name: "Bob", email: "bob@example.com" });
    expect(await http.query(api.cachedReads.ownedContacts, { owner: "cache-a" })).toEqual(first);

    // Its own range changed: it runs again, and sees the new row.
    await http.mutation(api.contacts.add, { owner: "cache-a", name: "Alan", email: "alan@example.com" });
    const after = await http.query(api.cachedReads.ownedContacts, { owner: "cache-a" });
    expect(after.names).toEqual(["Ada", "Alan"]);
    expect(after.runs).toBeGreaterThan(first.runs);

    // Other arguments are another query.
    const other = await http.query(api.cachedReads.ownedContacts, { owner: "cache-b" });
    expect(other.names).toEqual(["Bob"]);
    expect(other.runs).toBeGreaterThan(after.runs);
  });

  it("never answers one caller with another caller's run", async () => {
    const { http, backend, keys } = ctx;
    const anonymous = await http.query(api.cachedReads.ownedContacts, { owner: "cache-c" });
    const signedIn = new ConvexHttpClient(backend.url);
    signedIn.setAuth(await signToken(keys, "user-c"));
    const asUser = await signedIn.query(api.cachedReads.ownedContacts, { owner: "cache-c" });
    expect(asUser.runs).toBeGreaterThan(anonymous.runs);
    expect(await signedIn.query(api.cachedReads.ownedContacts, { owner: "cache-c" })).toEqual(asUser);
  });

  it("runs a query that logs every time, with its log lines", async () => {
    const { backend } = ctx;
    const call = async () => {
      const response = await fetch(`${backend.url}/api/query`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path: "cachedReads:loggedRun", args: {}, format: "json" }),
      });
      return (await response.json()) as { status: string; value: number; logLines: string[] };
    };
    const first = await call();
    const second = await call();
    expect(first.status).toBe("success");
    expect(second.value).toBe(first.value + 1);
    expect(second.logLines).toEqual(first.logLines);
    expect(first.logLines.join("\n")).toContain("ran");
  });
});
