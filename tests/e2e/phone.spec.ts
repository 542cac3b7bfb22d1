/**
 * Every page on a phone (390 px wide): nothing scrolls sideways, and the header's Sign out stays
 * reachable through its Menu button, by pointer, by keyboard and without JavaScript. The pages
 * visited are checked against the routes the app has (app/routeTree.gen.ts), so a new page
 * cannot be missed; a customer's tabs are the ones its page shows. One team for the whole file.
 */
import { readFileSync } from "node:fs";
import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { VIEWPORTS } from "./support/axe";
import { convexAs, signedInContext, teamOf, uniqueEmail } from "./support/users";

test.describe.configure({ mode: "serial" });

const PHONE = VIEWPORTS[1];

/** The app's routes, as the router's generated tree names them ("/customers/$customerId/notes"). */
const ROUTES = (() => {
  const tree = readFileSync(new URL("../../app/routeTree.gen.ts", import.meta.url), "utf8");
  const union = /^ {2}to:\n((?: {4}\| '[^']+'\n)+)/m.exec(tree)?.[1];
  if (!union) throw new Error("app/routeTree.gen.ts has no `to` union: run npm run build");
  return [...union.matchAll(/'([^']+)'/g)].map((match) => match[1]!);
})();

/** The route a pathname shows: a static segment wins over a parameter (/customers/new). */
function routeOf(pathname: string): string | undefined {
  const matching = ROUTES.filter((route) =>
    new RegExp(`^${route.replace(/\$[^/]+/g, "[^/]+")}/?$`).test(pathname === "/" ? "/" : pathname.replace(/\/$/, "")),
  );
  return matching.sort((a, b) => a.split("$").length - b.split("$").length)[0];
}

const visited = new Set<string>();
const LONG = "averyveryverylongwordwithoutspacesthatwidensapage";
let workspaceId: Id<"workspaces">;
let customerId: string;
let admin: { context: BrowserContext; page: Page };

/** Opens `path` at 390 px and fails if the page is wider than the screen, naming what sticks out. */
async function expectFitsPhone(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  visited.add(routeOf(new URL(page.url()).pathname) ?? `unknown route: ${page.url()}`);
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    // What reaches past the right edge (its box or its text), outside any box that scrolls, for the message.
    wide: [...document.body.querySelectorAll("*")]
      .filter((element) => {
        for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
          if (getComputedStyle(parent).overflowX !== "visible") return false;
        }
        return element.getBoundingClientRect().left + element.scrollWidth > window.innerWidth + 0.5;
      })
      .slice(-3)
      .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
  }));
  expect.soft(scrollWidth, `${path} scrolls sideways (${wide.join(", ")})`).toBeLessThanOrEqual(innerWidth);
}

/** Sign out is behind the Menu button, on the screen once it is opened; Escape closes the menu. */
async function expectSignOutReachable(page: Page, path: string) {
  const menuButton = page.getByRole("button", { name: "Menu" });
  const signOut = page.getByRole("button", { name: "Sign out" });
  await expect(signOut, path).toBeHidden();
  await menuButton.click();
  await expect(signOut, path).toBeVisible();
  await expect(signOut, path).toBeInViewport({ ratio: 1 });
  await expect(page.getByRole("link", { name: "Customers", exact: true }), path).toBeInViewport({ ratio: 1 });
  await page.keyboard.press("Escape");
  await expect(signOut, path).toBeHidden();
  await expect(menuButton, path).toBeFocused();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  const adminEmail = uniqueEmail("phone-admin-with-a-rather-long-address");
  const memberEmail = uniqueEmail("phone-member");
  workspaceId = await teamOf(`Team ${LONG}`, adminEmail, [memberEmail]);
  const client = await convexAs(adminEmail);
  const [created] = await client.mutation(api.customers.createMany, {
    workspaceId,
    customers: [
      {
        name: `Ada ${LONG} Lovelace`,
        email: `${LONG}@example.com`,
        company: `Analytical Engines ${LONG}`,
        phone: "+44 20 7946 0000 0000 0000 0000",
        notes: `First programmer ${LONG}`,
      },
    ],
  });
  customerId = created!;
  await client.mutation(api.customers.update, { workspaceId, id: customerId, company: `Difference Engines ${LONG}` });
  await client.mutation(api.notes.create, { workspaceId, customerId, body: `A note ${LONG}${LONG}` });
  admin = await signedInContext(browser, adminEmail, /\/customers/);
  await admin.page.setViewportSize(PHONE);
});

test.afterAll(async () => {
  await admin?.context.close();
});

test("signed out: the home page and sign-in fit a phone, with Sign in on the screen", async ({ page }) => {
  await page.setViewportSize(PHONE);
  for (const path of ["/", "/sign-in"]) {
    await expectFitsPhone(page, path);
    await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" }), path).toBeInViewport({ ratio: 1 });
  }
});

test("signed in: every page and every tab of a customer fits a phone, with Sign out one tap away", async () => {
  test.slow();
  const { page } = admin;
  const inTeam = (path: string) => `${path}?workspace=${workspaceId}`;
  await expectFitsPhone(page, inTeam(`/customers/${customerId}`));
  const tabs = await page.getByRole("tab").evaluateAll((links) => links.map((link) => link.getAttribute("href")!));
  expect(tabs.length).toBeGreaterThan(1);
  const paths = [
    "/",
    "/customers",
    inTeam("/customers"),
    inTeam("/customers/new"),
    inTeam("/customers/import"),
    ...tabs,
    inTeam(`/customers/${customerId}/edit`),
    inTeam("/customers/not-a-customer"),
    "/workspaces",
    `/workspaces/${workspaceId}`,
  ];
  for (const path of paths) {
    await expectFitsPhone(page, path);
    await expectSignOutReachable(page, path);
  }
  expect(ROUTES.filter((route) => !visited.has(route))).toEqual([]);
  expect([...visited].filter((route) => !ROUTES.includes(route))).toEqual([]);
});

test("the menu by keyboard: Enter opens it, Tab walks its links in order, a link closes it", async () => {
  const { page } = admin;
  await page.goto(`/customers?workspace=${workspaceId}`);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const menuButton = page.getByRole("button", { name: "Menu" });
  await menuButton.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("header-menu")).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Customers", exact: true })).toBeFocused();
  await page.keyboard.press("Tab");
  const workspaces = page.getByRole("link", { name: "Workspaces", exact: true });
  await expect(workspaces).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Sign out" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/workspaces$/);
  await expect(page.getByTestId("header-menu")).toBeHidden();
});

test("the menu without JavaScript: the browser opens it and its links work", async ({ browser }) => {
  const noJs = await browser.newContext({
    javaScriptEnabled: false,
    viewport: PHONE,
    storageState: await admin.context.storageState(),
  });
  const page = await noJs.newPage();
  await page.goto(`/customers/${customerId}/notes?workspace=${workspaceId}`);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeInViewport({ ratio: 1 });
  await page.getByRole("link", { name: "Workspaces", exact: true }).click();
  await expect(page).toHaveURL(/\/workspaces$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await noJs.close();
});

test("on a desktop the header shows its links and Sign out inline, with no Menu button", async ({ browser }) => {
  const desktop = await browser.newContext({ storageState: await admin.context.storageState() });
  const desktopPage = await desktop.newPage();
  await desktopPage.goto("/workspaces");
  await expect(desktopPage.getByRole("button", { name: "Sign out" })).toBeInViewport({ ratio: 1 });
  await expect(desktopPage.getByRole("link", { name: "Customers", exact: true })).toBeVisible();
  await expect(desktopPage.getByRole("button", { name: "Menu" })).toBeHidden();
  await desktop.close();
});
