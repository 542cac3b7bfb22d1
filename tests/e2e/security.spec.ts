/**
 * Security regressions in the browser (issue 11): what only a real browser shows.
 */
import { expect, test } from "@playwright/test";
import { signIn, uniqueEmail } from "./support/users";

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
  await page.getByLabel("Notes").fill("Two lines\nare fine");
  await page.getByRole("button", { name: "Create customer" }).click();
  await expect(page.getByRole("alert")).toHaveText("Please fix the highlighted fields.");
  await expect(page.getByLabel("Name")).toHaveAccessibleDescription(
    "Name must not contain control characters or text-direction overrides",
  );
  await expect(page.getByLabel("Company")).toHaveAccessibleDescription(
    "Company must not contain control characters or text-direction overrides",
  );
  await expect(page.getByLabel("Notes")).not.toHaveAttribute("aria-invalid");
  await expect(page.getByLabel("Name")).toBeFocused();
  await page.goto("/customers");
  await expect(page.getByText("No customers yet.")).toBeVisible();
});
