/**
 * Newer context APIs from convex 1.48 (issue 12.8): `ctx.runQuery(…, { useStaleSnapshot: true })`
 * in a mutation does not see the mutation's pending writes; options and APIs the local backend
 * does not implement (`transactionLimits`, `ctx.meta.getTransactionMetrics()`) fail with a
 * message that names them.
 */
import { describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { fixtureBackend } from "./helpers";

const fixture = fixtureBackend();

describe("ctx.runQuery options", () => {
  it("useStaleSnapshot does not see the caller's pending writes; the writes still commit", async () => {
    const before = await fixture.http.query(api.nested.countLogs, {});
    expect(await fixture.http.mutation(api.nested.staleAndFresh, { message: "pending" })).toEqual({
      stale: before,
      fresh: before + 1,
    });
    expect(await fixture.http.query(api.nested.countLogs, {})).toBe(before + 1);
  });

  it("transactionLimits fails with a message that names it", async () => {
    await expect(fixture.http.mutation(api.nested.withLimits, {})).rejects.toThrow(
      /`transactionLimits` option of ctx.runQuery\/ctx.runMutation is not supported by the local backend/,
    );
  });
});

describe("ctx.meta.getTransactionMetrics()", () => {
  it("fails in a query with a message that names it", async () => {
    await expect(fixture.http.query(api.nested.metricsInQuery, {})).rejects.toThrow(
      /getTransactionMetrics\(\) is not supported by the local backend/,
    );
  });
});

describe("log.audit", () => {
  it("is accepted in a mutation, which goes on and commits", async () => {
    const before = await fixture.http.query(api.nested.countLogs, {});
    expect(await fixture.http.mutation(api.nested.auditedWrite, { message: "audited" })).toBe("written");
    expect(await fixture.http.query(api.nested.countLogs, {})).toBe(before + 1);
  });

  it("fails in an action, as Convex does not support it there", async () => {
    await expect(fixture.http.action(api.nested.auditInAction, {})).rejects.toThrow(
      /Audit logging is not yet supported in actions/,
    );
  });
});
