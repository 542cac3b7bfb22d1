/**
 * Convex sets CONVEX_CLOUD_URL and CONVEX_SITE_URL for every deployment's functions, also while
 * modules load (convex-backend crates/udf/src/environment.rs; docs: "System environment
 * variables"). The site URL is where the local backend serves HTTP actions; a path on the cloud
 * URL that is not Convex's API says so.
 */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { startTestBackend, type TestBackend } from "./helpers";

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend({ env: { GREETING: "hello" } });
});
afterAll(async () => {
  await backend.destroy();
});

describe("system environment variables", () => {
  it("functions see the deployment's URLs, at module load and when they run, beside the deployment's own variables", async () => {
    const client = new ConvexHttpClient(backend.url);
    const urls = { cloud: backend.url, site: backend.siteUrl };
    expect(backend.siteUrl).not.toBe(backend.url);
    expect(await client.query(api.fidelity.deploymentUrls, {})).toEqual({ atLoad: urls, now: urls });
    expect(await client.query(api.jobs.envValue, { name: "GREETING" })).toBe("hello");
  });

  it("a path on the cloud URL that is not Convex's API says where HTTP actions are served", async () => {
    const response = await fetch(`${backend.url}/webhooks/stripe`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toContain(
      `HTTP actions (convex/http.ts) are served at ${backend.siteUrl}`,
    );
  });
});
