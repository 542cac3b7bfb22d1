/**
 * HTTP actions (convex/http.ts) on the site URL, with plain fetch, as Convex serves them: routes
 * by exact path and by prefix, per method (HEAD as GET), Convex's 404 and 500, bodies and headers
 * both ways, responses streamed, CORS only as a handler answers it, an action's ctx (runQuery,
 * runMutation, runAction, scheduler, auth from a Bearer token), CONVEX_SITE_URL, and the site
 * URL kept across a restart. Fixture: tests/backend/fixtures/convex/http.ts.
 */
import { request } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, describe, expect, it } from "vitest";
import { api, internal } from "./fixtures/convex/_generated/api";
import { adminClient, asPublic, fixtureBackendWithAuth, signToken, startTestBackend, tempDir, waitFor } from "./helpers";

const fixture = fixtureBackendWithAuth();
const site = (path: string, init?: RequestInit) => fetch(`${fixture.backend.siteUrl}${path}`, init);

interface DescribedRequest {
  method: string;
  url: string;
  path: string;
  search: string;
  body: string;
  headers: Record<string, string>;
}

describe("routing", () => {
  it("serves an exact path", async () => {
    const response = await site("/hello");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
    // As Convex does, a body of known size is sent with its length.
    expect(response.headers.get("content-length")).toBe("5");
    expect(await response.text()).toBe("hello");
  });

  it("routes each method to its own route; HEAD runs GET's without a body; an unrouted method is a 404", async () => {
    for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH"]) {
      const response = await site("/request", { method });
      expect(((await response.json()) as DescribedRequest).method, method).toBe(method);
    }
    const head = await site("/request", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/json");
    expect(await head.text()).toBe("");
    const options = await site("/request", { method: "OPTIONS" });
    expect(options.status).toBe(404);
    expect(await options.text()).toBe("No matching routes found");
  });

  it("routes by prefix, the longest prefix first, an exact path before any prefix", async () => {
    expect(((await (await site("/files/a/b.txt")).json()) as DescribedRequest).path).toBe("/files/a/b.txt");
    expect(await (await site("/files/deep/x")).text()).toBe("deep prefix");
    expect(await (await site("/files/exact")).text()).toBe("exact path");
    // A prefix ends in a slash: the bare folder, or another case, is not under it.
    expect((await site("/files")).status).toBe(404);
    expect((await site("/FILES/a")).status).toBe(404);
  });

  it("answers an unknown path with Convex's 404", async () => {
    const response = await site("/no/such/route");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("No matching routes found");
  });

  it("serves the root path", async () => {
    const response = await site("/", { method: "POST", body: "Hello world" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("Hello world");
  });

  it("refuses a method Convex does not route", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${fixture.backend.siteUrl}/hello`, { method: "PROPFIND" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(405);
  });

  it("serves the same actions under /http/ on the cloud URL, as self-hosted Convex does", async () => {
    const response = await fetch(`${fixture.backend.url}/http/hello`);
    expect(await response.text()).toBe("hello");
  });
});

describe("requests and responses", () => {
  it("gives the handler the URL, query, headers and body it was sent", async () => {
    const response = await site("/request?q=a%20b&x=1", {
      method: "PUT",
      headers: { "x-custom": "yes", "content-type": "text/plain" },
      body: "payload",
    });
    const seen = (await response.json()) as DescribedRequest;
    expect(seen.url).toBe(`${fixture.backend.siteUrl}/request?q=a%20b&x=1`);
    expect(seen.search).toBe("?q=a%20b&x=1");
    expect(seen.body).toBe("payload");
    expect(seen.headers["x-custom"]).toBe("yes");
    expect(seen.headers.host).toBe(new URL(fixture.backend.siteUrl).host);
  });

  it("takes a binary body and sends one back, with the handler's status and headers (repeated ones kept apart)", async () => {
    const bytes = new Uint8Array(256 * 1024).map((_, i) => (i * 31) % 256);
    const response = await site("/echo", { method: "POST", headers: { "content-type": "image/png" }, body: bytes });
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("x-byte-length")).toBe(String(bytes.length));
    expect(response.headers.get("content-length")).toBe(String(bytes.length));
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it("streams a response body as the handler produces it", async () => {
    const response = await site("/stream");
    expect(response.headers.get("content-length")).toBeNull();
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    // The second chunk waits for what the client does after reading the first: a response held
    // back until complete would never arrive.
    expect(decoder.decode((await reader.read()).value)).toBe("chunk 1\n");
    await new ConvexHttpClient(fixture.backend.url).mutation(api.jobs.scheduleLog, { message: "go", delayMs: 0 });
    let rest = "";
    for (let read = await reader.read(); !read.done; read = await reader.read()) rest += decoder.decode(read.value);
    expect(rest).toBe("chunk 2\n");
  });

  it("aborts the request's signal when its client goes away", async () => {
    const client = new AbortController();
    const pending = site("/waitForAbort", { signal: client.signal });
    pending.catch(() => undefined);
    const http = new ConvexHttpClient(fixture.backend.url);
    await waitFor(async () => (await http.query(api.jobs.logs, {})).includes("waiting for its client"), 5000, "the handler");
    client.abort();
    await waitFor(async () => (await http.query(api.jobs.logs, {})).includes("client went away"), 5000, "the handler's log");
  });

  it("adds no CORS headers: a preflight and its request get what the handler answers", async () => {
    const preflight = await site("/cors", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("POST");
    expect(preflight.headers.get("access-control-max-age")).toBe("600");
    const actual = await site("/cors", { method: "POST", headers: { Origin: "https://app.example" } });
    expect(actual.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(await actual.text()).toBe("cors ok");

    const plain = await site("/hello", { headers: { Origin: "https://app.example" } });
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    const unanswered = await site("/hello", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" },
    });
    expect(unanswered.status).toBe(404);
    expect(unanswered.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("a handler's ctx", () => {
  it("runs mutations, queries and actions, and schedules functions", async () => {
    const response = await site("/leads", { method: "POST", body: JSON.stringify({ owner: "web-form", name: "Ada" }) });
    expect(response.status).toBe(201);
    const result = (await response.json()) as { id: string; count: number; job: string; greeting: string | null };
    expect(result.count).toBe(1);
    expect(result.greeting).toBeNull();
    const http = new ConvexHttpClient(fixture.backend.url);
    expect((await http.query(api.contacts.listByOwner, { owner: "web-form" })).map((c) => c.name)).toEqual(["Ada"]);
    await waitFor(async () => (await http.query(api.jobs.logs, {})).includes("lead Ada"), 5000, "the scheduled job");
    expect(await http.query(api.jobs.jobState, { id: result.job as never })).toBe("success");
  });

  it("stores a request's body in file storage and serves it back", async () => {
    const stored = await site("/storage/store", { method: "POST", headers: { "content-type": "text/csv" }, body: "a,b\n1,2\n" });
    const { storageId } = (await stored.json()) as { storageId: string };
    const served = await site(`/storage/get?id=${storageId}`);
    expect(served.headers.get("content-type")).toBe("text/csv");
    expect(await served.text()).toBe("a,b\n1,2\n");
  });

  it("knows the caller from a Bearer token; credentials that name no one fail getUserIdentity, not the request", async () => {
    const token = await signToken(fixture.keys, "user-7");
    const signedIn = await site("/whoami", { headers: { Authorization: `Bearer ${token}` } });
    expect(((await signedIn.json()) as { identity: { subject: string } }).identity.subject).toBe("user-7");

    expect(await (await site("/whoami")).json()).toEqual({ identity: null });
    for (const header of ["Bearer helloworld", "a"]) {
      const response = await site("/whoami", { headers: { Authorization: header } });
      expect(response.status, header).toBe(200);
      expect(((await response.json()) as { error?: string }).error, header).toMatch(/./);
    }
    const expired = await signToken(fixture.keys, "user-7", { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const stale = await site("/whoami", { headers: { Authorization: `Bearer ${expired}` } });
    expect(((await stale.json()) as { error?: string }).error).toMatch(/Token expired \d+ seconds ago/);
  });

  it("sees the site URL as CONVEX_SITE_URL, as the functions it calls do", async () => {
    const urls = { cloud: fixture.backend.url, site: fixture.backend.siteUrl };
    expect(await (await site("/env")).json()).toEqual({ ...urls, fromQuery: { atLoad: urls, now: urls } });
  });

  it("names itself as Convex names an HTTP action", async () => {
    expect(await (await site("/meta")).json()).toEqual({ name: "http", componentPath: "", type: "action", visibility: "public" });
  });

  it("leaves the module's other exports callable as functions", async () => {
    const admin = adminClient(fixture.backend.url, fixture.backend.adminKey);
    expect(await admin.query(asPublic(internal.http.routeCount), {})).toBeGreaterThan(10);
  });
});

describe("failures", () => {
  it("answers a handler that throws with Convex's 500: the error and its frames", async () => {
    const response = await site("/fail");
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as { code: string; trace: string };
    expect(body.code).toMatch(/^\[Request ID: [0-9a-f]+\] Server Error: Uncaught Error: boom$/);
    expect(body.trace).toMatch(/^Uncaught Error: boom\n {4}at <anonymous> \(\.\.\/convex\/http\.ts:\d+:\d+\)\n/);
  });

  it("gives a ConvexError's data, and says when a handler returns no Response", async () => {
    const convexError = (await (await site("/failConvexError")).json()) as { code: string; data: unknown };
    expect(convexError.code).toContain("Uncaught ConvexError");
    expect(convexError.data).toEqual({ reason: "nope" });
    const notResponse = await site("/notResponse");
    expect(notResponse.status).toBe(500);
    expect(((await notResponse.json()) as { code: string }).code).toContain(
      "Uncaught Error: HTTP actions must return a Response",
    );
  });
});

// Inside the project (git-ignored .local/) so the functions resolve node_modules.
const LOCAL = fileURLToPath(new URL("../../.local", import.meta.url));

describe("the site URL", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  /** A functions directory with one module and no http.ts. */
  async function functionsWithoutHttp(): Promise<string> {
    await mkdir(LOCAL, { recursive: true });
    const root = await mkdtemp(join(LOCAL, "http-actions-test-"));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    await writeFile(
      join(root, "env.ts"),
      `import { queryGeneric } from "convex/server";\nexport const site = queryGeneric({ args: {}, handler: async () => process.env.CONVEX_SITE_URL });\n`,
    );
    return root;
  }

  it("is kept across a restart on the same ports; without http.ts it says HTTP actions are not enabled", async () => {
    const functionsDir = await functionsWithoutHttp();
    const dataDir = await tempDir();
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const siteQuery = makeFunctionReference<"query", Record<string, never>, string>("env:site");

    const first = await startTestBackend({ functionsDir, dataDir });
    const { port, sitePort, siteUrl } = first;
    expect(await new ConvexHttpClient(first.url).query(siteQuery, {})).toBe(siteUrl);
    await first.close();

    const second = await startTestBackend({ functionsDir, dataDir, port, sitePort });
    cleanup.push(() => second.close());
    expect(second.siteUrl).toBe(siteUrl);
    expect(await new ConvexHttpClient(second.url).query(siteQuery, {})).toBe(siteUrl);
    const response = await fetch(`${siteUrl}/anything`, { method: "POST", body: "x" });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("This Convex deployment does not have HTTP actions enabled.");
  });

  it("refuses an http.ts whose default export is not a router, as a Convex push does", async () => {
    const functionsDir = await functionsWithoutHttp();
    await writeFile(join(functionsDir, "http.ts"), `export default { routes: [] };\n`);
    await expect(startTestBackend({ functionsDir })).rejects.toThrow("The default export of `convex/http.js` is not a Router.");
  });
});
