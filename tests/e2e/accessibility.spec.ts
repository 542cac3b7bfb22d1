import { expect, test } from "@playwright/test";
import { expectNoViolations, VIEWPORTS } from "./support/axe";
import { api } from "../../convex/_generated/api";
import { addCustomers, convexAs, signIn, teamOf, uniqueEmail } from "./support/users";

for (const viewport of VIEWPORTS) {
  test(`every page has no axe violations, signed out and signed in (${viewport.name})`, async ({ page }) => {
    // Seventeen pages and states, each analysed in full: ~35 s on a quiet 2-core machine, and a
    // busy one has taken 2.5 times as long.
    test.setTimeout(150_000);
    await page.setViewportSize(viewport);

    await page.goto("/");
    await expectNoViolations(page, "/ signed out");

    await page.goto("/sign-in");
    await expectNoViolations(page, "/sign-in");
    await page.getByLabel("Email").fill("not an email");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").or(page.locator("[aria-invalid=true]")).first()).toBeVisible();
    await expectNoViolations(page, "/sign-in with an error");

    const email = uniqueEmail(`axe-${viewport.name}`);
    const [id] = await addCustomers(email, [
      {
        name: "Ada Lovelace",
        email: "ada@example.com",
        company: "Analytical Engines",
        status: "active",
        notes: "First programmer",
      },
      { name: "Grace Hopper", email: "grace@example.com" },
    ]);
    await signIn(page, email);
    await expectNoViolations(page, "/customers");

    await page.goto("/");
    await expectNoViolations(page, "/ signed in");

    await page.goto(`/customers/${id}`);
    await expectNoViolations(page, "the customer detail");

    await page.goto(`/customers/${id}/activity`);
    await expectNoViolations(page, "the customer's activity");

    await page.goto(`/customers/${id}/files`);
    await expectNoViolations(page, "the customer's files");

    await page.goto(`/customers/${id}/edit`);
    await expectNoViolations(page, "the edit form");

    await page.goto("/customers/new");
    await expectNoViolations(page, "the new customer form");
    await page.getByLabel("Email").fill("not an email");
    await page.getByRole("button", { name: /save|create/i }).click();
    await expect(page.locator("[aria-invalid=true]").first()).toBeVisible();
    await expectNoViolations(page, "the new customer form with errors");

    await page.goto("/customers/import");
    await expectNoViolations(page, "the import page");
    await page.getByLabel("Choose a CSV file, or drop one here").setInputFiles({
      name: "customers.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("Name,Email,Status\nAda,ada@example.com,active\n,missing-name@example.com,lead\n", "utf8"),
    });
    await expect(page.getByTestId("check-summary")).toHaveText("1 ready to import, 1 with errors.");
    await expectNoViolations(page, "the import page with a file's columns, preview and errors");

    // A team with a member and a pending invitation, as its admin sees it.
    const teamId = await teamOf(`Axe ${viewport.name}`, email, [uniqueEmail(`axe-member-${viewport.name}`)]);
    await (
      await convexAs(email)
    ).mutation(api.workspaces.invite, {
      workspaceId: teamId,
      email: uniqueEmail(`axe-invitee-${viewport.name}`),
      role: "member",
    });
    await page.goto("/workspaces");
    await expectNoViolations(page, "the workspaces page");
    await page.goto(`/workspaces/${teamId}`);
    await expect(page.getByTestId("invitation-row")).toHaveCount(1);
    await expectNoViolations(page, "a team's settings, as its admin");
    await page.getByRole("button", { name: "Delete workspace" }).click();
    await expect(page.getByRole("alertdialog")).toBeVisible();
    await expectNoViolations(page, "a team's settings with a confirmation open");

    await page.goto("/customers/does-not-exist");
    await expectNoViolations(page, "the not-found page");
  });
}

test("keyboard: Enter on a row focuses the detail's heading and announces it; Escape and Back return focus to the row", async ({
  page,
}) => {
  const email = uniqueEmail("keyboard");
  await addCustomers(email, [
    { name: "First Row", email: "first@example.com" },
    { name: "Second Row", email: "second@example.com" },
  ]);
  await signIn(page, email);
  const rows = page.getByTestId("customer-row");
  await expect(rows).toHaveText(["Second Row", "First Row"]);

  // Tab from the page's start to the second row, as a keyboard user would.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    if (await rows.nth(1).evaluate((row) => row === document.activeElement)) break;
  }
  await expect(rows.nth(1)).toBeFocused();

  await page.keyboard.press("Enter");
  const heading = page.getByRole("heading", { level: 1, name: "First Row" });
  await expect(heading).toBeFocused();
  await expect(page).toHaveTitle("First Row · Clientele");
  await expect(page.getByTestId("route-announcer")).toHaveText("First Row · Clientele");

  await page.keyboard.press("Escape");
  await expect(page).toHaveURL(/\/customers$/);
  await expect(rows.nth(1)).toBeFocused();
  await expect(page.getByTestId("route-announcer")).toHaveText("Customers · Clientele");

  // The browser's Back button does the same.
  await page.keyboard.press("Enter");
  await expect(heading).toBeFocused();
  // The browser's own Back acts on the address bar, which follows the page within a frame.
  await expect(page).not.toHaveURL(/\/customers$/);
  await page.goBack();
  await expect(rows.nth(1)).toBeFocused();
});

test("keyboard: Escape closes an open workspace switcher on a customer's page and stays on the page", async ({ page }) => {
  const email = uniqueEmail("switcher-escape");
  await addCustomers(email, [{ name: "Stay Here", email: "stay@example.com" }]);
  await signIn(page, email);
  await page.getByTestId("customer-row").first().click();
  await expect(page.getByTestId("customer-detail")).toContainText("stay@example.com");
  await expect(page).toHaveURL(/\/customers\/[^/]+$/);

  const switcher = page.getByTestId("workspace-switcher");
  await switcher.locator("summary").click();
  await expect(switcher).toHaveAttribute("open", "");
  await page.keyboard.press("Escape");
  await expect(switcher).not.toHaveAttribute("open");
  await expect(switcher.locator("summary")).toBeFocused();
  await expect(page.getByTestId("customer-detail")).toBeVisible();
  await expect(page).toHaveURL(/\/customers\/[^/]+$/);

  // Closed, Escape leaves the customer as before.
  await page.keyboard.press("Escape");
  await expect(page).toHaveURL(/\/customers$/);
});
