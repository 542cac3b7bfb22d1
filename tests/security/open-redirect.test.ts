/**
 * Guards issue 20: a signed-in visit to `/sign-in?redirect=…` is redirected by the built server,
 * and its `Location` must be a path on this site for every target, however it is encoded. Before
 * the fix, `/sign-in?redirect=/..//evil.example` answered `Location: //evil.example`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFF_SITE_TARGETS } from "../support/off-site-targets";
import { APP_ORIGIN, type LocalServer, startLocalServer } from "./local-server";

let server: LocalServer;
let cookie: string;

beforeAll(async () => {
  server = await startLocalServer();
  ({ cookie } = await server.signedInCookie("redirects@example.com"));
});
afterAll(async () => {
  await server.close();
});

async function locationAfterSignIn(query: string): Promise<string> {
  const response = await server.page(`/sign-in?redirect=${query}`, { cookie });
  expect(response.status).toBe(307);
  return response.headers.get("location") ?? "";
}

/** Where a browser goes for this `Location`, as the browser resolves it (tabs and newlines dropped). */
function followed(location: string): URL {
  return new URL(location, APP_ORIGIN);
}

describe("a signed-in visit to /sign-in with a redirect target", () => {
  it.each(OFF_SITE_TARGETS)("stays on this site for %j, sent encoded", async (target) => {
    const location = await locationAfterSignIn(encodeURIComponent(target));
    expect(followed(location).origin).toBe(APP_ORIGIN);
    expect(location).toBe("/customers");
  });

  // As an attacker would paste it: only what a URL's query cannot hold is escaped.
  it.each(OFF_SITE_TARGETS)("stays on this site for %j, sent as typed", async (target) => {
    const location = await locationAfterSignIn(encodeURI(target).replace(/#/g, "%23"));
    expect(followed(location).origin).toBe(APP_ORIGIN);
    expect(location).toBe("/customers");
  });

  it.each([
    ["/customers?q=a%2Fb", "/customers?q=a%2Fb"],
    ["/customers/abc#notes", "/customers/abc#notes"],
    ["/customers/new", "/customers/new"],
  ])("still goes to %s on this site", async (target, expected) => {
    const location = await locationAfterSignIn(encodeURIComponent(target));
    expect(location).toBe(expected);
  });
});

/**
 * Every other place that answers with a `Location` built from the request: path normalisation
 * (Start's redirect of `//…`, trailing slashes), the `?workspace=` redirect, and a signed-out
 * visit's trip to /sign-in. Whatever the path, the browser stays on this site.
 */
describe("any redirect the server answers", () => {
  const shapedPaths = [
    "//evil.example/",
    "//evil.example/customers",
    "///evil.example/",
    "/\\evil.example/",
    "/%5C%5Cevil.example/",
    "/%2F%2Fevil.example/",
    "/..//evil.example/",
    "/customers/..//evil.example/",
    "/customers/%2e%2e//evil.example/",
    "/customers/",
    "/customers//",
    "/customers?workspace=%2F%2Fevil.example",
    "/customers?workspace=//evil.example",
    "/customers/abc/?workspace=..%2F..%2Fevil.example",
    "/sign-in/?redirect=//evil.example",
  ];

  it.each(shapedPaths)("keeps %s on this site, signed in and signed out", async (path) => {
    for (const session of [cookie, undefined]) {
      const response = await server.page(path, session ? { cookie: session } : {});
      const location = response.headers.get("location");
      if (location === null) continue;
      expect(location, `${path} → ${location}`).toMatch(/^\/(?![/\\])/);
      expect(followed(location).origin).toBe(APP_ORIGIN);
    }
  });
});
