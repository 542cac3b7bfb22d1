/**
 * Issue 11.8: the headers of every response of the app server. Against the built server
 * (`npm run build` first), served by srvx as `npm start` serves it, in production mode.
 */
import { request as httpRequest } from "node:http";
import { serve } from "srvx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../app.config";
import { contentSecurityPolicy } from "../../app/lib/security-headers.server";
import { api } from "../../convex/_generated/api";
import { ConvexHttpClient } from "convex/browser";
import { loadLocalIdentityProvider } from "../../app/auth/local/identity-provider.server";
import { type LocalServer, startLocalServer } from "./local-server";

let server: LocalServer;
let http: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  server = await startLocalServer({ NODE_ENV: "production" });
  const served = serve({ port: 0, hostname: "127.0.0.1", silent: true, fetch: server.handler });
  await served.ready();
  http = { url: served.url!.replace(/\/$/, ""), close: () => served.close() };
});
afterAll(async () => {
  await http?.close();
  await server?.close();
});

/** A raw HTTP request (any method, any Host header), as a client on the network sends it. */
function raw(method: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(http.url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const request = httpRequest(
        { host: hostname, port, method, path, headers: { accept: "text/html", ...headers } },
        (response) => {
          let body = "";
          response.on("data", (chunk: Buffer) => (body += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        },
      );
      request.on("error", reject);
      request.end();
    },
  );
}

function directives(csp: string | null): Map<string, string[]> {
  return new Map(
    (csp ?? "").split(";").map((part) => {
      const [name = "", ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
}

async function signedInCookie(email: string) {
  const { cookie } = await server.signedInCookie(email);
  return cookie;
}

describe("every page's headers", () => {
  it("carry a strict CSP whose nonce is on every script, and the anti-framing, sniffing, referrer and permissions headers", async () => {
    const cookie = await signedInCookie("ada@example.com");
    const provider = await loadLocalIdentityProvider(server.keysDir);
    const client = new ConvexHttpClient(server.backend.url);
    client.setAuth(await provider.mintConvexToken({ email: "ada@example.com" }));
    const [id] = await client.mutation(api.customers.createMany, { customers: [{ name: "Ada", email: "ada@lovelace.test" }] });
    const pages: [string, string | undefined][] = [
      ["/", undefined],
      ["/sign-in", undefined],
      ["/customers", cookie],
      [`/customers/${id}`, cookie],
      ["/customers/new", cookie],
      ["/no-such-page", cookie],
    ];
    for (const [path, pageCookie] of pages) {
      const response = await server.page(path, { cookie: pageCookie });
      expect([200, 404], path).toContain(response.status);
      const csp = directives(response.headers.get("content-security-policy"));
      const scriptSrc = csp.get("script-src") ?? [];
      expect(csp.get("frame-ancestors"), path).toEqual(["'none'"]);
      expect(csp.get("object-src"), path).toEqual(["'none'"]);
      expect(csp.get("base-uri"), path).toEqual(["'none'"]);
      expect(scriptSrc, path).not.toContain("'unsafe-inline'");
      expect(scriptSrc, path).not.toContain("'unsafe-eval'");
      const nonce = scriptSrc.find((source) => source.startsWith("'nonce-"))?.slice(7, -1);
      expect(nonce, path).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      // The Convex deployment, over HTTP and its WebSocket.
      const backend = new URL(server.backend.url);
      expect(csp.get("connect-src"), path).toEqual(["'self'", backend.origin, `ws://${backend.host}`]);
      const html = await response.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const script of scripts) expect(script, path).toContain(`nonce="${nonce}"`);

      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toBe("same-origin");
      expect(response.headers.get("permissions-policy"), path).toContain("camera=()");
      // Loopback: no HSTS (it would pin localhost to HTTPS for every other local app).
      expect(response.headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("use a fresh nonce for each request", async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const csp = (await server.page("/")).headers.get("content-security-policy") ?? "";
      nonces.add(/'nonce-([^']+)'/.exec(csp)?.[1] ?? "");
    }
    expect(nonces.size).toBe(3);
  });

  it("send HSTS in production on a host other than loopback", async () => {
    const response = await server.handler(new Request("http://crm.example.com/", { headers: { accept: "text/html" } }));
    expect(response.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
  });

  it("keep signed-in HTML, which embeds a Convex token, and the auth server function out of every cache", async () => {
    const cookie = await signedInCookie("grace@example.com");
    const page = await server.page("/customers", { cookie });
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    expect(await page.text()).toContain('"eyJ');
    const auth = await server.serverFn("getAuthState", cookie);
    expect(auth.headers.get("cache-control")).toBe("private, no-store");
    expect(auth.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("requests an attacker shapes", () => {
  it("answers TRACE with 405, and the security headers", async () => {
    const response = await raw("TRACE", "/", { "x-secret": "echo me" });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("GET, HEAD, POST, OPTIONS");
    expect(response.body).not.toContain("echo me");
    expect(response.headers["x-frame-options"]).toBe("DENY");
  });

  it("never echoes an arbitrary Host header in a redirect", async () => {
    const signIn = await raw("GET", "/customers", { host: "evil.example" });
    expect(signIn.status).toBe(307);
    expect(signIn.headers.location).toBe("/sign-in?redirect=%2Fcustomers");
    // Start's own redirect of a path starting with two slashes: a path on this site, not a URL.
    const doubled = await raw("GET", "//evil.example/customers", { host: "evil.example" });
    expect(doubled.status).toBe(308);
    expect(doubled.headers.location).toBe("/evil.example/customers");
  });
});

describe("the policy in Clerk mode", () => {
  it("allows Clerk's Frontend API, its bot protection and images, and the configured Convex URL", () => {
    const config = parseConfig({
      NODE_ENV: "production",
      CLERK_PUBLISHABLE_KEY: `pk_live_${Buffer.from("clerk.crm.example.com$").toString("base64")}`,
      CLERK_SECRET_KEY: "sk_live_x",
      CONVEX_URL: "https://happy-otter-123.convex.cloud",
    });
    const csp = directives(contentSecurityPolicy(config, "abc"));
    expect(csp.get("script-src")).toEqual([
      "'self'",
      "'nonce-abc'",
      "https://clerk.crm.example.com",
      "https://challenges.cloudflare.com",
    ]);
    expect(csp.get("connect-src")).toEqual([
      "'self'",
      "https://happy-otter-123.convex.cloud",
      "wss://happy-otter-123.convex.cloud",
      "https://clerk.crm.example.com",
    ]);
    expect(csp.get("img-src")).toContain("https://img.clerk.com");
    expect(csp.get("frame-src")).toEqual(["https://challenges.cloudflare.com"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
  });
});
