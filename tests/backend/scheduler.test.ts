/**
 * Scheduled functions end as on Convex: a job canceled by its own mutation stays `canceled`
 * (completing a canceled job is a no-op: convex-backend crates/model/src/scheduled_jobs/mod.rs);
 * a failed job's `state.error` is the function's error without the "[Request ID: …] Server Error"
 * line (the job records the JsError, not the redacted client error). And `ctx.meta` names a
 * default export by its module alone (convex-backend crates/convex/sync_types/src/udf_path.rs, `strip`).
 */
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import type { Id } from "./fixtures/convex/_generated/dataModel";
import { startTestBackend, waitFor, type TestBackend } from "./helpers";

let backend: TestBackend;
let client: ConvexHttpClient;
beforeAll(async () => {
  backend = await startTestBackend();
  client = new ConvexHttpClient(backend.url);
});
afterAll(async () => {
  await backend.destroy();
});

async function finished(id: Id<"_scheduled_functions">) {
  return await waitFor(
    async () => {
      const job = await client.query(api.fidelity.job, { id });
      return job && job.state.kind !== "pending" && job.state.kind !== "inProgress" ? job : null;
    },
    10_000,
    "the job to finish",
  );
}

describe("scheduled jobs", () => {
  it("a mutation that cancels its own job ends canceled, its writes committed", async () => {
    const id = await client.mutation(api.fidelity.schedule, { job: "cancelOwnJob" });
    expect((await finished(id)).state).toEqual({ kind: "canceled" });
    expect(await client.query(api.jobs.logs, {})).toContain("cancelOwnJob ran");
  });

  it("a failed mutation or action job records its error without the request id", async () => {
    const mutationJob = await finished(await client.mutation(api.fidelity.schedule, { job: "failingMutationJob" }));
    expect(mutationJob.state).toMatchObject({
      kind: "failed",
      error: expect.stringMatching(/^Uncaught Error: mutation job failed on purpose/) as string,
    });
    const actionJob = await finished(await client.mutation(api.fidelity.schedule, { job: "failingActionJob" }));
    expect(actionJob.state).toMatchObject({
      kind: "failed",
      error: expect.stringMatching(/^Uncaught Error: action job failed on purpose/) as string,
    });
  });
});

describe("ctx.meta", () => {
  it("names a default export by its module, a named export as module:name", async () => {
    expect(await client.query(makeFunctionReference<"query", Record<string, never>, string>("meta"), {})).toBe("meta");
    expect(await client.query(api.meta.named, {})).toBe("meta:named");
  });
});
