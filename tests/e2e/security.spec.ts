/**
 * Security regressions in the browser (issue 11): what only a real browser shows.
 */
import { expect, type Page, test } from "@playwright/test";
import { addCustomers, signIn, uniqueEmail } from "./support/users";

/** Every Content-Security-Policy violation the page reports, from its first script on. */
async function recordCspViolations(page: Page): Promise<() => Promise<string[]>> {
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) consoleErrors.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
    });
  });
  return async () => [
    ...consoleErrors,
    ...(await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])),
  ];
}

test("the main pages run under the Content-Security-Policy with no violation", async ({ page }) => {
  const violations = await recordCspViolations(page);
  const email = uniqueEmail("csp");
  const [id] = await addCustomers(email, [{ name: "Policy Person", email: "policy@example.com" }]);
  const response = await page.goto("/");
  expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  await signIn(page, email);
  await expect(page.getByText("Policy Person")).toBeVisible();
  expect(await violations()).toEqual([]);
  // Client-side navigation (preloaded on hover), then full loads of the other pages.
  await page.getByText("Policy Person").hover();
  await page.getByText("Policy Person").click();
  await expect(page.getByTestId("customer-detail")).toBeVisible();
  expect(await violations()).toEqual([]);
  for (const path of [`/customers/${id}`, `/customers/${id}/edit`, "/customers/new", "/customers?sort=name"]) {
    await page.goto(path);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    expect(await violations(), path).toEqual([]);
  }
  // The live WebSocket to Convex is allowed too: a change made elsewhere arrives.
  await page.goto("/customers");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await addCustomers(email, [{ name: "Arrived Live", email: "live@example.com" }]);
  await expect(page.getByText("Arrived Live")).toBeVisible();
  expect(await violations()).toEqual([]);
});

test("a session cookie copied before sign-out does not sign anyone in afterwards", async ({ browser }) => {
  const email = uniqueEmail("revoked");
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  const copied = (await context.cookies()).filter((cookie) => cookie.name === "clientele_session");
  expect(copied).toHaveLength(1);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  expect((await context.cookies()).filter((cookie) => cookie.name === "clientele_session")).toEqual([]);

  // Someone replays the copy in a browser of their own.
  const replay = await browser.newContext();
  await replay.addCookies(copied);
  const replayPage = await replay.newPage();
  await replayPage.goto("/customers");
  await expect(replayPage).toHaveURL(/\/sign-in\?redirect=/);
  await expect(replayPage.getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(replayPage.getByText(email)).toHaveCount(0);
  await Promise.all([context.close(), replay.close()]);
});

test("the customer form refuses control characters and text-direction overrides with a field message", async ({ page }) => {
  await signIn(page, uniqueEmail("spoof"));
  await page.goto("/customers/new");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  // U+202E would show "Invoice\u202Efdp.exe" as "Invoiceexe.pdf" in the title and the table.
  await page.getByLabel("Name").fill("Invoice\u202Efdp.exe");
  await page.getByLabel("Email").fill("invoice@example.com");
  await page.getByLabel("Company").fill("Acme\u0007");
  await page.getByLabel("Summary").fill("Two lines\nare fine");
  await page.getByRole("button", { name: "Create customer" }).click();
  await expect(page.getByRole("alert")).toHaveText("Please fix the highlighted fields.");
  await expect(page.getByLabel("Name")).toHaveAccessibleDescription(
    "Name must not contain control characters or text-direction overrides",
  );
  await expect(page.getByLabel("Company")).toHaveAccessibleDescription(
    "Company must not contain control characters or text-direction overrides",
  );
  await expect(page.getByLabel("Summary")).not.toHaveAttribute("aria-invalid");
  await expect(page.getByLabel("Name")).toBeFocused();
  await page.goto("/customers");
  await expect(page.getByText("No customers yet.")).toBeVisible();
});
