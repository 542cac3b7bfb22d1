/**
 * A customer's tabs (Overview, Activity, …), each its own child route: server-rendered without
 * JavaScript, preloaded on hover, live between teammates, moved between by keyboard, and a 404
 * for anyone outside the workspace. One team, signed in once, for the whole file.
 */
import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { expectNoViolations, VIEWPORTS } from "./support/axe";
import { attachFile, convexAs, signedInContext, teamOf, uniqueEmail, watchForPendingUi } from "./support/users";

test.describe.configure({ mode: "serial" });

const TABS = ["overview", "notes", "activity", "files"] as const;
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
  await (
    await convexAs(memberEmail)
  ).mutation(api.notes.create, {
    workspaceId,
    customerId: customerIds[0]!,
    body: "Met at the Royal Society.\nWants the Engine's notes.",
  });
  await attachFile(
    await convexAs(memberEmail),
    { workspaceId, customerId: customerIds[0]! },
    { name: "engine-plans.txt", type: "text/plain", bytes: new TextEncoder().encode("Difference Engine No. 2") },
  );
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
    notes: ["customer-notes", "Wants the Engine's notes."],
    activity: ["customer-activity", "attached the file “engine-plans.txt”"],
    files: ["customer-files", "engine-plans.txt"],
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
  const functionOf: Record<Exclude<Tab, "overview">, string> = {
    notes: '"notes:list"',
    activity: '"activity:list"',
    files: '"files:list"',
  };

  for (const tab of ["notes", "activity", "files"] as const) {
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
  const tab = (name: Tab) => page.getByTestId(`customer-tab-${name}`);
  await expect(tab("notes")).toHaveAttribute("tabindex", "-1");
  await page.keyboard.press("ArrowRight");
  await expect(tab("notes")).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(overview).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(tab(TABS[TABS.length - 1]!)).toBeFocused();
  await page.keyboard.press("Home");
  await expect(overview).toBeFocused();
  await page.keyboard.press("End");
  await expect(tab(TABS[TABS.length - 1]!)).toBeFocused();
  await page.keyboard.press("Home");
  for (let i = 0; i < TABS.indexOf("activity"); i++) await page.keyboard.press("ArrowRight");
  await expect(tab("activity")).toBeFocused();
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
  await expect(entries.first()).toContainText("attached the file “engine-plans.txt”");

  await member.page.goto(`/customers/${customerIds[0]}/edit?workspace=${workspaceId}`);
  await member.page.getByLabel("Status").selectOption("active");
  await member.page.getByLabel("Phone").fill("+44 20 7946 0000");
  await member.page.getByRole("button", { name: "Save changes" }).click();
  await expect(member.page.getByTestId("customer-detail")).toContainText("+44 20 7946 0000");

  const name = memberEmail.split("@")[0]!;
  await expect(entries.nth(0)).toContainText(`${name} changed status from Lead to Active`);
  await expect(entries.nth(1)).toContainText(`${name} set phone to “+44 20 7946 0000”`);
  await expect(entries.nth(2)).toContainText("attached the file “engine-plans.txt”");
  await expect(entries.nth(3)).toContainText("added a note");
});

test("a note added in one browser shows there at once and in a teammate's open Notes tab", async () => {
  await admin.page.goto(tabPath("notes"));
  await member.page.goto(tabPath("notes"));
  const body = `Sent the quote ${Date.now()}.\nFollow up on Monday.`;
  await member.page.getByLabel("New note").fill(body);
  await member.page.getByRole("button", { name: "Add note" }).click();

  const mine = member.page.getByTestId("note").first();
  await expect(mine).toContainText("Follow up on Monday.");
  await expect(member.page.getByLabel("New note")).toHaveValue("");
  await expect(mine).not.toHaveAttribute("data-unsaved");
  await expect(mine.getByRole("button", { name: /^Edit/ })).toBeVisible();

  const theirs = admin.page.getByTestId("note").first();
  await expect(theirs).toContainText("Follow up on Monday.");
  await expect(theirs).toContainText(memberEmail.split("@")[0]!);
  // An admin may change anyone's note (who may change which: convex/notes.test.ts).
  await expect(theirs.getByRole("button", { name: /^Delete/ })).toBeVisible();
});

test("a note the server refuses goes again, its text back in the box and the reason shown", async () => {
  const page = await admin.context.newPage();
  const [customerId] = await (
    await convexAs(adminEmail)
  ).mutation(api.customers.createMany, { workspaceId, customers: [{ name: "Soon Deleted", email: "soon@example.com" }] });
  // A slow network: the server's pushes (and, for a moment, its reply) are held back.
  let holdPushes = false;
  let holdReplies = false;
  const held: (() => void)[] = [];
  const heldReplies: (() => void)[] = [];
  // The live query's first answer: until it comes, the client has nothing to add a note to.
  let emptyNotesPushed = false;
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      const text = String(message);
      if (text.includes('"type":"Transition"') && text.includes('"page":[]')) emptyNotesPushed = true;
      if (holdPushes && text.includes('"type":"Transition"')) held.push(() => socket.send(message));
      else if (holdReplies && text.includes('"type":"MutationResponse"')) heldReplies.push(() => socket.send(message));
      else socket.send(message);
    });
  });
  await page.goto(tabPath("notes", customerId));
  await expect(page.getByText("No notes yet.")).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect.poll(() => emptyNotesPushed).toBe(true);

  // Someone deletes the customer; this page has not heard yet.
  holdPushes = true;
  holdReplies = true;
  await (await convexAs(adminEmail)).mutation(api.customers.remove, { workspaceId, id: customerId! });
  await page.getByLabel("New note").fill("Too late");
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByTestId("note")).toHaveAttribute("data-unsaved", "true");
  await expect(page.getByTestId("note")).toContainText("Too late");

  holdReplies = false;
  for (const release of heldReplies.splice(0)) release();
  await expect(page.getByRole("alert")).toHaveText("Your note was not added: That customer does not exist or was deleted.");
  await expect(page.getByTestId("note")).toHaveCount(0);
  await expect(page.getByLabel("New note")).toHaveValue("Too late");

  holdPushes = false;
  for (const release of held.splice(0)) release();
  await expect(page.getByTestId("customer-deleted")).toBeVisible();
  await page.close();
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
      const text = await response.text();
      expect(text, path).not.toContain("Ada Lovelace");
      // Nor a URL of its files (each one a capability: ADR 016).
      expect(text, path).not.toContain("/api/storage/");
    }
  }
  await outsider.context.close();
});
