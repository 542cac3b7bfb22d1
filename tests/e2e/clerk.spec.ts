/**
 * Clerk mode in a real browser, offline: the built server with the real clerkMiddleware(), the
 * stand-in for Clerk's APIs (tests/clerk/harness.ts) and clerk-js unreachable (it would load
 * from the Frontend API). Evidence for docs/decisions/005-auth.md: the page hydrates signed in
 * and Convex goes live on the token from our server function, without waiting for clerk-js.
 * Also checks that local mode (the suite's normal server) loads no Clerk code.
 */
import { expect, type Page, test } from "@playwright/test";
import { serve } from "srvx";
import { staticMiddleware } from "srvx/static";
import { api } from "../../convex/_generated/api";
import { type ClerkHarness, startClerkHarness } from "../clerk/harness";
import { baseURL } from "./support/env";
import { signIn, uniqueEmail } from "./support/users";

function recordScripts(page: Page): string[] {
  const scripts: string[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "script") scripts.push(new URL(request.url()).pathname);
  });
  return scripts;
}

test.describe("Clerk mode", () => {
  let clerk: ClerkHarness;
  let app: ReturnType<typeof serve>;
  let origin: string;

  test.beforeAll(async () => {
    clerk = await startClerkHarness({ jwtTemplate: "convex" });
    app = serve({
      port: 0,
      hostname: "127.0.0.1",
      silent: true,
      middleware: [staticMiddleware({ dir: "dist/client" })],
      fetch: clerk.handler,
    });
    await app.ready();
    origin = new URL(app.url!).origin;
  });
  test.afterAll(async () => {
    await app?.close();
    await clerk?.close();
  });

  test("a signed-in page hydrates and goes live with clerk-js unreachable", async ({ page, context }) => {
    const userId = "user_browser_1";
    const convex = await clerk.convexAs(userId);
    await convex.mutation(api.customers.createMany, { customers: [{ name: "Browser Row", email: "b@clerk-customer.test" }] });
    const session = await clerk.sessionToken({ sub: userId, sid: "sess_browser_1", expiresIn: 600 });
    await context.addCookies(
      Object.entries(clerk.signedInCookies(session)).map(([name, value]) => ({ name, value, url: origin })),
    );
    const blocked: string[] = [];
    await page.route(
      (url) => url.origin !== origin,
      (route) => {
        blocked.push(route.request().url());
        return route.abort();
      },
    );
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const scripts = recordScripts(page);

    await page.goto(`${origin}/customers`);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator("header.app-header")).toContainText(`${userId}@clerk.test`);
    await expect(page.getByText("Browser Row")).toBeVisible();
    // A change made elsewhere arrives over the WebSocket, authenticated with the server-function token.
    await convex.mutation(api.customers.createMany, { customers: [{ name: "Live Row", email: "l@clerk-customer.test" }] });
    await expect(page.getByText("Live Row")).toBeVisible();

    expect(scripts.some((path) => /\/clerk-ui-[^/]+\.js$/.test(path))).toBe(true);
    // The only thing that failed to load is clerk-js from the Frontend API.
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((url) => new URL(url).pathname.includes("/npm/@clerk/clerk-js"))).toBe(true);
    expect(errors).toEqual([]);
  });

  test("the sign-in page is Clerk's, not the local form (Clerk's form itself needs clerk-js)", async ({ page, context }) => {
    await context.addCookies([{ name: "__clerk_db_jwt", value: "dvb_offline", url: origin }]);
    await page.route(
      (url) => url.origin !== origin,
      (route) => route.abort(),
    );
    const response = await page.goto(`${origin}/customers`);
    expect(response?.status()).toBe(200);
    await expect(page).toHaveURL(/\/sign-in\?redirect=%2Fcustomers/);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator("header.app-header")).toContainText("Sign in");
    await expect(page.getByText("Local sign-in")).toHaveCount(0);
    await expect(page.getByLabel("Email")).toHaveCount(0);
  });
});

test("local mode loads no Clerk code, on the sign-in page or signed in", async ({ page }) => {
  const scripts = recordScripts(page);
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  await signIn(page, uniqueEmail("no-clerk"));
  await page.goto(`${baseURL}/customers`);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  expect(scripts.length).toBeGreaterThan(0);
  expect(scripts.filter((path) => path.includes("clerk"))).toEqual([]);
  expect(requests.filter((url) => !url.startsWith(baseURL) && !url.startsWith("ws"))).toEqual([]);
});
