import { expect, test } from "@playwright/test";
import { api } from "../../convex/_generated/api";
import { appPort, backendPort } from "./support/env";
import { type PrivateStack, startPrivateStack } from "./support/stack";
import { addCustomers, convexAs, signIn, uniqueEmail } from "./support/users";

// This file restarts its backend, so it runs on a stack of its own.
let stack: PrivateStack;
test.beforeAll(async () => {
  test.setTimeout(180_000);
  stack = await startPrivateStack({ appPort: appPort + 20, backendPort: backendPort + 20 });
});
test.afterAll(async () => {
  await stack?.close();
});

test("a page survives a backend restart: it reconnects, shows current data, and a change made during the outage is applied once", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("restart");
  await addCustomers(email, [{ name: "Before Outage", email: "before@example.com" }], stack.backendURL);
  const context = await browser.newContext({ baseURL: stack.baseURL });
  const page = await context.newPage();
  await signIn(page, email);
  const rows = page.getByTestId("customer-row");
  await expect(rows).toHaveText(["Before Outage"]);

  await page.getByRole("link", { name: "New customer" }).click();
  await expect(page.getByRole("heading", { name: "New customer" })).toBeVisible();
  await stack.stopBackend();
  await expect(page.getByRole("status")).toContainText("Connection lost");

  await page.getByLabel("Name").fill("Made Offline");
  await page.getByLabel("Email").fill("offline@example.com");
  await page.getByRole("button", { name: "Create customer" }).click();
  await expect(page.getByRole("button", { name: "Saving…" })).toBeVisible();

  await stack.startBackend();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Made Offline", { timeout: 30_000 });
  await expect(page.getByText("Connection lost")).toHaveCount(0);

  await page.getByRole("link", { name: "Customers" }).click();
  await expect(rows).toHaveText(["Made Offline", "Before Outage"]);
  // Live again: a change from elsewhere arrives without a reload.
  await addCustomers(email, [{ name: "After Restart", email: "after@example.com" }], stack.backendURL);
  await expect(rows).toHaveText(["After Restart", "Made Offline", "Before Outage"]);

  const stored = await (
    await convexAs(email, stack.backendURL)
  ).query(api.customers.listByUser, {
    paginationOpts: { numItems: 10, cursor: null },
  });
  expect(stored.page.map((customer) => customer.name)).toEqual(["After Restart", "Made Offline", "Before Outage"]);
  await context.close();
});

test("with the backend down, a page says so and its retry loads it once the backend is back", async ({ browser }) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("down");
  await addCustomers(email, [{ name: "Worth The Wait", email: "wait@example.com" }], stack.backendURL);
  const context = await browser.newContext({ baseURL: stack.baseURL });
  const page = await context.newPage();
  await signIn(page, email);
  await expect(page.getByTestId("customer-row")).toHaveText(["Worth The Wait"]);

  await stack.stopBackend();
  const response = await page.goto("/customers");
  expect(response?.status()).toBe(500);
  await expect(page.getByRole("alert")).toContainText("Could not reach the server");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");

  await stack.startBackend();
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByTestId("customer-row")).toHaveText(["Worth The Wait"], { timeout: 20_000 });
  await context.close();
});
