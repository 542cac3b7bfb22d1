/**
 * A customer's tabs (Overview, Activity, …), each its own child route: server-rendered without
 * JavaScript, preloaded on hover, live between teammates, moved between by keyboard, and a 404
 * for anyone outside the workspace. One team, signed in once, for the whole file.
 */
import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { expectNoViolations, VIEWPORTS } from "./support/axe";
import { convexAs, signedInContext, teamOf, uniqueEmail, watchForPendingUi } from "./support/users";

test.describe.configure({ mode: "serial" });

const TABS = ["overview", "activity"] as const;
type Tab = (typeof TABS)[number];

let workspaceId: Id<"workspaces">;
let customerIds: string[];
let adminEmail: string;
let memberEmail: string;
let admin: { context: BrowserContext; page: Page };
let member: { context: BrowserContext; page: Page };

const tabPath = (tab: Tab, customerId = customerIds[0]!) =>
  `/customers/${customerId}${tab === "overview" ? "" : `/${tab}`}?workspace=${workspaceId}`;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  adminEmail = uniqueEmail("tabs-admin");
  memberEmail = uniqueEmail("tabs-member");
  workspaceId = await teamOf("Tabs Team", adminEmail, [memberEmail]);
  customerIds = await (
    await convexAs(adminEmail)
  ).mutation(api.customers.createMany, {
    workspaceId,
    customers: [
      { name: "Ada Lovelace", email: "ada@example.com", company: "Analytical Engines" },
      { name: "Charles Babbage", email: "charles@example.com" },
    ],
  });
  admin = await signedInContext(browser, adminEmail);
  member = await signedInContext(browser, memberEmail);
});

test.afterAll(async () => {
  await admin?.context.close();
  await member?.context.close();
});

test("every tab's URL is server-rendered, with JavaScript disabled", async ({ browser }) => {
  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await admin.context.storageState() });
  const page = await noJs.newPage();
  const expected: Record<Tab, [testId: string, text: string]> = {
    overview: ["customer-detail", "ada@example.com"],
    activity: ["customer-activity", "created this customer"],
  };
  for (const tab of TABS) {
    const response = await page.goto(tabPath(tab));
    expect(response?.status(), tab).toBe(200);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ada Lovelace");
    await expect(page.getByTestId(`customer-tab-${tab}`)).toHaveAttribute("aria-selected", "true");
    const [testId, text] = expected[tab];
    await expect(page.getByTestId(testId)).toContainText(text);
  }
  await noJs.close();
});

test("hovering a tab loads it; the click shows it with no request and no pending UI", async () => {
  const { page } = admin;
  const framesSent: string[] = [];
  page.on("websocket", (socket) => socket.on("framesent", (frame) => framesSent.push(String(frame.payload))));
  await page.goto(tabPath("overview", customerIds[1]));
  await expect(page.getByTestId("customer-detail")).toContainText("charles@example.com");
  const functionOf: Record<Exclude<Tab, "overview">, string> = { activity: '"activity:list"' };

  for (const tab of ["activity"] as const) {
    const asks = () => framesSent.filter((frame) => frame.includes(functionOf[tab]) && frame.includes(customerIds[1]!)).length;
    expect(asks(), tab).toBe(0);
    await page.getByTestId(`customer-tab-${tab}`).hover();
    await expect.poll(asks).toBe(1);
    // Let the preloaded result arrive, as it does while a person moves to click.
    await page.waitForTimeout(300);
    const pendingSeen = await watchForPendingUi(page);
    const requests: string[] = [];
    const onRequest = (request: { url(): string }) => requests.push(request.url());
    page.on("request", onRequest);
    await page.getByTestId(`customer-tab-${tab}`).click();
    await expect(page.getByTestId(`customer-${tab}`)).toBeVisible();
    page.off("request", onRequest);
    expect(await pendingSeen(), tab).toBe(false);
    expect(requests, tab).toEqual([]);
    expect(asks(), tab).toBe(1);
  }
});

test("the keyboard moves between tabs with the arrow keys; Enter opens one and focus lands on its content", async () => {
  const { page } = admin;
  await page.goto(tabPath("overview"));
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const overview = page.getByTestId("customer-tab-overview");
  await overview.focus();
  // Only the selected tab is in the Tab order; arrows reach the others, and wrap.
  await expect(page.getByTestId("customer-tab-activity")).toHaveAttribute("tabindex", "-1");
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("customer-tab-activity")).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(overview).toBeFocused();
  await page.keyboard.press("End");
  await expect(page.getByTestId("customer-tab-activity")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/activity\?/);
  await expect(page.getByRole("tabpanel")).toBeFocused();
  await expect(page.getByRole("tabpanel")).toHaveAccessibleName("Activity");
  await expect(page.getByTestId("route-announcer")).toHaveText("Activity · Ada Lovelace · Clientele");
  // Tabs replace each other in history: Escape leaves the customer, as Back does.
  await page.keyboard.press("Escape");
  await expect(page).toHaveURL(/\/customers\?workspace=/);
});

test("a teammate's change shows at once in an open Activity tab", async () => {
  await admin.page.goto(tabPath("activity"));
  const entries = admin.page.getByTestId("activity-entry");
  await expect(entries.first()).toContainText("created this customer");

  await member.page.goto(`/customers/${customerIds[0]}/edit?workspace=${workspaceId}`);
  await member.page.getByLabel("Status").selectOption("active");
  await member.page.getByLabel("Phone").fill("+44 20 7946 0000");
  await member.page.getByRole("button", { name: "Save changes" }).click();
  await expect(member.page.getByTestId("customer-detail")).toContainText("+44 20 7946 0000");

  const name = memberEmail.split("@")[0]!;
  await expect(entries.nth(0)).toContainText(`${name} changed status from Lead to Active`);
  await expect(entries.nth(1)).toContainText(`${name} set phone to “+44 20 7946 0000”`);
  await expect(entries.nth(2)).toContainText("created this customer");
});

test("axe finds nothing on any tab, on a desktop and a phone", async () => {
  // Each page analysed in full.
  test.slow();
  const { page } = admin;
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    for (const tab of TABS) {
      await page.goto(tabPath(tab));
      await expectNoViolations(page, `the ${tab} tab (${viewport.name})`);
    }
  }
  await page.setViewportSize(VIEWPORTS[0]);
});

test("someone outside the workspace gets a 404 for every tab, with nothing of the customer in it", async ({ browser }) => {
  const outsider = await signedInContext(browser, uniqueEmail("tabs-outsider"));
  for (const tab of TABS) {
    for (const path of [tabPath(tab), tabPath(tab).replace(/\?.*$/, "")]) {
      const response = await outsider.context.request.get(path);
      expect(response.status(), path).toBe(404);
      expect(await response.text(), path).not.toContain("Ada Lovelace");
    }
  }
  await outsider.context.close();
});
