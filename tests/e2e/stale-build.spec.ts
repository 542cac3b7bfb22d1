import { expect, type Page, test } from "@playwright/test";
import { baseURL } from "./support/env";
import { signIn, uniqueEmail } from "./support/users";

// A redeploy replaces the build while a page is open: the chunks that page loads lazily are gone
// from the server (404). Simulated by answering 404 for one chunk in this page only.
async function removeChunk(page: Page, name: RegExp) {
  await page.route(name, (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "Not Found" }));
}

const staleNotice = (page: Page) => page.getByRole("alert").filter({ hasText: "Clientele has been updated" });

test("after a redeploy, a server-function call says to reload instead of failing silently, and the reload fixes it", async ({
  page,
}) => {
  await signIn(page, uniqueEmail("stale-fn"));
  // A page opened before the redeploy, whose server-function fetcher (loaded at the first call) is gone.
  await page.goto("/customers");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await removeChunk(page, /\/assets\/serverFnFetcher-[\w-]+\.js$/);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(staleNotice(page)).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: "Reload the page to continue" })).toBeVisible();
  // Nothing happened behind the user's back: still signed in, on the same page, free to retry.
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeEnabled();

  await page.unrouteAll();
  await staleNotice(page).getByRole("button", { name: "Reload" }).click();
  await expect(staleNotice(page)).toHaveCount(0);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${baseURL}/`);
});

test("after a redeploy, a route whose code is gone shows the notice when its preload fails", async ({ page }) => {
  await signIn(page, uniqueEmail("stale-route"));
  await removeChunk(page, /\/assets\/workspaces-[\w-]+\.js$/);
  await page.goto("/customers");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(staleNotice(page)).toHaveCount(0);

  await page.getByRole("link", { name: "Workspaces", exact: true }).hover();
  await expect(staleNotice(page)).toBeVisible();
});

test("offline, code that does not load is a lost connection, not an update: no notice, and the action says so", async ({
  page,
  context,
}) => {
  await signIn(page, uniqueEmail("offline-chunk"));
  await page.goto("/customers");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await context.setOffline(true);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("alert")).toHaveText("Could not reach the server. Check your connection and try again.");
  // A hover's preload fails too; neither failure is taken for a new version.
  await page.getByRole("link", { name: "Workspaces", exact: true }).hover();
  await page.waitForTimeout(500);
  await expect(staleNotice(page)).toHaveCount(0);

  await context.setOffline(false);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${baseURL}/`);
});
