/**
 * Scheduled functions end as on Convex: a job canceled by its own mutation stays `canceled`
 * (completing a canceled job is a no-op: convex-backend crates/model/src/scheduled_jobs/mod.rs);
 * a failed job's `state.error` is the function's error without the "[Request ID: …] Server Error"
 * line (the job records the JsError, not the redacted client error). And `ctx.meta` names a
 * default export by its module alone (convex-backend crates/convex/sync_types/src/udf_path.rs, `strip`).
 */
import { makeFunctionReference } from "convex/server";
import { describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import type { Id } from "./fixtures/convex/_generated/dataModel";
import { fixtureBackend, waitFor } from "./helpers";

const fixture = fixtureBackend();

async function finished(id: Id<"_scheduled_functions">) {
  return await waitFor(
    async () => {
      const job = await fixture.http.query(api.fidelity.job, { id });
      return job && job.state.kind !== "pending" && job.state.kind !== "inProgress" ? job : null;
    },
    10_000,
    "the job to finish",
  );
}

describe("scheduled jobs", () => {
  it("a mutation that cancels its own job ends canceled, its writes committed", async () => {
    const id = await fixture.http.mutation(api.fidelity.schedule, { job: "cancelOwnJob" });
    expect((await finished(id)).state).toEqual({ kind: "canceled" });
    expect(await fixture.http.query(api.jobs.logs, {})).toContain("cancelOwnJob ran");
  });

  it("a failed mutation or action job records its error without the request id", async () => {
    const mutationJob = await finished(await fixture.http.mutation(api.fidelity.schedule, { job: "failingMutationJob" }));
    expect(mutationJob.state).toMatchObject({
      kind: "failed",
      error: expect.stringMatching(/^Uncaught Error: mutation job failed on purpose/) as string,
    });
    const actionJob = await finished(await fixture.http.mutation(api.fidelity.schedule, { job: "failingActionJob" }));
    expect(actionJob.state).toMatchObject({
      kind: "failed",
      error: expect.stringMatching(/^Uncaught Error: action job failed on purpose/) as string,
    });
  });
});

describe("ctx.meta", () => {
  it("names a default export by its module, a named export as module:name", async () => {
    expect(await fixture.http.query(makeFunctionReference<"query", Record<string, never>, string>("meta"), {})).toBe("meta");
    expect(await fixture.http.query(api.meta.named, {})).toBe("meta:named");
  });
});
