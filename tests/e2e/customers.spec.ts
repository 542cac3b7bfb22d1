import { expect, test } from "@playwright/test";
import { baseURL } from "./support/env";
import { api } from "../../convex/_generated/api";
import { formatMoment } from "../../app/lib/format-date";
import { addCustomers, convexAs, signedInContext, signIn, uniqueEmail, watchForPendingUi } from "./support/users";

test("the first HTML already holds the rows and the detail, with JavaScript disabled", async ({ browser }) => {
  const email = uniqueEmail("nojs");
  const [, secondId] = await addCustomers(email, [
    { name: "Older Customer", email: "older@example.com" },
    { name: "Newest Customer", email: "newest@example.com", company: "Acme", notes: "Met at the fair" },
  ]);
  const { context } = await signedInContext(browser, email);
  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
  const page = await noJs.newPage();

  const list = await page.goto("/customers");
  expect(list?.status()).toBe(200);
  await expect(page.getByTestId("customer-row")).toHaveText(["Newest Customer", "Older Customer"]);

  const detail = await page.goto(`/customers/${secondId}`);
  expect(detail?.status()).toBe(200);
  await expect(page.getByTestId("customer-detail")).toContainText("Met at the fair");
  await expect(page.getByTestId("customer-detail")).toContainText("Acme");
  await noJs.close();
  await context.close();
});

test("times are in the viewer's time zone; from the second page load on, the server renders them so", async ({ browser }) => {
  const email = uniqueEmail("zone");
  const [id] = await addCustomers(email, [{ name: "Zoned Customer", email: "zoned@example.com" }]);
  // UTC+5:45: no other zone writes the same minutes.
  const context = await browser.newContext({ timezoneId: "Asia/Kathmandu" });
  const page = await context.newPage();
  // A hydration that did not match the server's HTML would say so here.
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await signIn(page, email);
  await page.goto(`/customers/${id}/activity`);
  const time = page.getByTestId("activity-entry").locator("time");
  const at = new Date((await time.getAttribute("datetime"))!);
  // The app's own format: what is under test is the zone it is given.
  const moment = (timeZone: string) => formatMoment(at.getTime(), timeZone);
  await expect(time).toHaveText(moment("Asia/Kathmandu"));

  // The page kept the browser's zone in a cookie: the next server render already uses it...
  const html = async () => (await page.request.get(`/customers/${id}/activity`)).text();
  expect(await html()).toContain(moment("Asia/Kathmandu"));
  // ...and without it (a first visit) the server writes UTC, which the page corrects once hydrated.
  await context.clearCookies({ name: "tz" });
  expect(await html()).toContain(moment("UTC"));
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(time).toHaveText(moment("Asia/Kathmandu"));
  expect(errors).toEqual([]);
  await context.close();
});

test("hovering a row loads the detail before the click; the click renders it with no request and no pending UI", async ({
  page,
}) => {
  const email = uniqueEmail("hover");
  await addCustomers(email, [
    { name: "Hover Target", email: "target@example.com", phone: "+1 555 0100" },
    { name: "Someone Else", email: "else@example.com" },
  ]);
  const framesSent: string[] = [];
  page.on("websocket", (socket) => socket.on("framesent", (frame) => framesSent.push(String(frame.payload))));
  await signIn(page, email);
  await expect(page.getByTestId("customers-table")).toBeVisible();
  const asksForDetail = () => framesSent.filter((frame) => frame.includes('"customers:get"')).length;
  expect(asksForDetail()).toBe(0);

  const row = page.getByTestId("customer-row").filter({ hasText: "Hover Target" });
  await row.hover();
  await expect.poll(asksForDetail).toBe(1);
  await expect(page).toHaveURL(/\/customers$/);
  // Let the preloaded result arrive, as it does while a person moves to click.
  await page.waitForTimeout(300);

  const pendingSeen = await watchForPendingUi(page);
  const requestsAfterClick: string[] = [];
  page.on("request", (request) => requestsAfterClick.push(request.url()));
  const framesBeforeClick = framesSent.length;
  await row.click();
  await expect(page.getByTestId("customer-detail")).toContainText("+1 555 0100");
  expect(await pendingSeen()).toBe(false);
  expect(requestsAfterClick).toEqual([]);
  expect(framesSent.slice(framesBeforeClick).filter((frame) => frame.includes('"customers:get"'))).toEqual([]);
});

test("create, edit and delete a customer through the forms", async ({ page }) => {
  await signIn(page, uniqueEmail("crud"));
  await page
    .getByRole("link", { name: /new customer|add your first customer/i })
    .first()
    .click();
  await expect(page.getByRole("heading", { name: "New customer" })).toBeVisible();

  await page.getByLabel("Name").fill("Margaret Hamilton");
  await page.getByLabel("Email").fill("margaret@example.com");
  await page.getByLabel("Company").fill("MIT");
  await page.getByLabel("Status").selectOption("active");
  await page.getByRole("button", { name: "Create customer" }).click();
  const detail = page.getByTestId("customer-detail");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Margaret Hamilton");
  await expect(detail).toContainText("MIT");
  await expect(page.getByRole("article")).toContainText("Active");

  await detail.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Company").fill("");
  await page.getByLabel("Summary").fill("Apollo guidance software");
  await page.getByRole("button", { name: /save/i }).click();
  await expect(detail).toContainText("Apollo guidance software");
  await expect(detail.locator("dd").nth(1)).toHaveText("—");

  await detail.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Delete Margaret Hamilton?");
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByText("No customers yet.")).toBeVisible();
});

test("invalid forms show a message per field and save nothing", async ({ page }) => {
  await signIn(page, uniqueEmail("invalid"));
  await page.goto("/customers/new");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Phone").fill("call me maybe");
  await page.getByRole("button", { name: "Create customer" }).click();
  await expect(page.getByRole("alert")).toHaveText("Please fix the highlighted fields.");
  await expect(page.getByLabel("Name")).toHaveAccessibleDescription("Enter a name");
  await expect(page.getByLabel("Email")).toHaveAccessibleDescription("Enter a valid email address");
  await expect(page.getByLabel("Phone")).toHaveAccessibleDescription(/Enter a phone number/);
  await expect(page.getByLabel("Name")).toBeFocused();
  await expect(page).toHaveURL(/\/customers\/new$/);
  await page.goto("/customers");
  await expect(page.getByText("No customers yet.")).toBeVisible();
});

test("malformed, unknown and other users' ids get a 404 page from the server", async ({ page }) => {
  const owner = uniqueEmail("owner");
  const [foreignId] = await addCustomers(owner, [{ name: "Private Person", email: "private@example.com" }]);
  await addCustomers(owner, [{ name: "Also Private", email: "also@example.com" }]);
  await signIn(page, uniqueEmail("intruder"));
  await expect(page.getByText("No customers yet.")).toBeVisible();

  for (const id of ["not-a-real-id", foreignId!, `${foreignId!.slice(0, -1)}x`]) {
    const response = await page.goto(`/customers/${id}`);
    expect(response?.status(), id).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(page.getByText("Private Person")).toHaveCount(0);
  }
  const edit = await page.goto(`/customers/${foreignId}/edit`);
  expect(edit?.status()).toBe(404);
  await expect(page.getByText("Private Person")).toHaveCount(0);
});

test("nonsense search params fall back to defaults instead of failing", async ({ page }) => {
  const email = uniqueEmail("params");
  await addCustomers(email, [{ name: "Still Listed", email: "listed@example.com" }]);
  await signIn(page, email);
  const response = await page.goto("/customers?status=bogus&sort=%7B%7D&q=" + "x".repeat(500));
  expect(response?.status()).toBe(200);
  await expect(page.getByTestId("customers-table")).toBeVisible();
  await expect(page.getByTestId("customer-row")).toHaveText(["Still Listed"]);
});

test("filters, search and sort live in the URL", async ({ page }) => {
  const email = uniqueEmail("filters");
  await addCustomers(email, [
    { name: "Zed Active", email: "zed@example.com", status: "active" },
    { name: "Amy Lead", email: "amy@example.com", company: "Globex" },
    { name: "Bob Active", email: "bob@example.com", status: "active" },
  ]);
  await signIn(page, email);
  await expect(page.getByTestId("customer-row")).toHaveText(["Bob Active", "Amy Lead", "Zed Active"]);

  await page.getByLabel("Status").selectOption("active");
  await expect(page).toHaveURL(/status=active/);
  await expect(page.getByTestId("customer-row")).toHaveText(["Bob Active", "Zed Active"]);
  await page.getByLabel("Sort").selectOption("name");
  await expect(page.getByTestId("customer-row")).toHaveText(["Bob Active", "Zed Active"]);
  await page.getByLabel("Status").selectOption("all");
  await expect(page.getByTestId("customer-row")).toHaveText(["Amy Lead", "Bob Active", "Zed Active"]);

  await page.getByLabel("Search").fill("globex");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=globex/);
  await expect(page.getByTestId("customer-row")).toHaveText(["Amy Lead"]);
  await page.reload();
  await expect(page.getByTestId("customer-row")).toHaveText(["Amy Lead"]);
});

test("Load more pages through a long list", async ({ page }) => {
  const email = uniqueEmail("pages");
  await addCustomers(
    email,
    Array.from({ length: 120 }, (_, i) => ({ name: `Customer ${String(i).padStart(3, "0")}`, email: `c${i}@example.com` })),
  );
  await signIn(page, email);
  const rows = page.getByTestId("customer-row");
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toHaveText("Customer 119");
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(rows).toHaveCount(100);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(rows).toHaveCount(120);
  await expect(rows.last()).toHaveText("Customer 000");
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
});

test("changes in one browser appear in another's open table without a reload", async ({ browser }) => {
  const email = uniqueEmail("live");
  await addCustomers(email, [{ name: "Already There", email: "there@example.com" }]);
  const watcher = await signedInContext(browser, email);
  const editor = await signedInContext(browser, email);
  const rows = watcher.page.getByTestId("customer-row");
  await expect(rows).toHaveText(["Already There"]);
  await watcher.page.evaluate(() => {
    (window as unknown as { __loads: number }).__loads = performance.getEntriesByType("navigation").length;
  });

  await editor.page.goto("/customers/new");
  await editor.page.getByLabel("Name").fill("Live Arrival");
  await editor.page.getByLabel("Email").fill("arrival@example.com");
  await editor.page.getByRole("button", { name: "Create customer" }).click();
  await expect(editor.page.getByTestId("customer-detail")).toBeVisible();
  await expect(rows).toHaveText(["Live Arrival", "Already There"]);

  await editor.page.getByRole("link", { name: "Edit" }).click();
  await editor.page.getByLabel("Name").fill("Live Renamed");
  await editor.page.getByRole("button", { name: /save/i }).click();
  await expect(editor.page.getByRole("heading", { level: 1 })).toHaveText("Live Renamed");
  await expect(rows).toHaveText(["Live Renamed", "Already There"]);

  await editor.page.getByRole("button", { name: "Delete" }).click();
  await editor.page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(rows).toHaveText(["Already There"]);
  // The same document all along: no reload happened.
  expect(await watcher.page.evaluate(() => (window as unknown as { __loads?: number }).__loads)).toBe(1);
  await watcher.context.close();
  await editor.context.close();
});

test("a second user sees none of the first user's customers", async ({ browser }) => {
  const first = uniqueEmail("first");
  const [id] = await addCustomers(first, [{ name: "First's Customer", email: "firsts@example.com" }]);
  const second = await signedInContext(browser, uniqueEmail("second"));
  await expect(second.page.getByText("No customers yet.")).toBeVisible();
  const response = await second.page.goto(`${baseURL}/customers/${id}`);
  expect(response?.status()).toBe(404);
  await expect(second.page.getByText("First's Customer")).toHaveCount(0);
  await second.context.close();
});

test("a change the server refuses is rolled back, with the server's reason", async ({ page }) => {
  const email = uniqueEmail("rollback");
  const [id] = await addCustomers(email, [{ name: "Soon Deleted", email: "soon@example.com" }]);
  // A slow network: the server's pushes can be held back while its replies still arrive.
  let holding = false;
  const held: (() => void)[] = [];
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (holding && String(message).includes('"type":"Transition"')) held.push(() => socket.send(message));
      else socket.send(message);
    });
  });
  await signIn(page, email);
  await page.goto(`/customers/${id}/edit`);
  await expect(page.getByRole("heading", { name: "Edit Soon Deleted" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");

  // Every title the page shows from here on: the optimistic one, then the rolled-back one.
  await page.evaluate(() => {
    const titles = [document.querySelector("h1")?.textContent ?? ""];
    (window as unknown as { __titles: string[] }).__titles = titles;
    new MutationObserver(() => {
      const title = document.querySelector("h1")?.textContent ?? "";
      if (titles[titles.length - 1] !== title) titles.push(title);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });

  // Someone else deletes the customer; this page has not heard yet.
  holding = true;
  await (await convexAs(email)).mutation(api.customers.remove, { id: id! });
  await page.getByLabel("Name").fill("Renamed Too Late");
  await page.getByRole("button", { name: "Save changes" }).click();

  await expect(page.getByRole("alert")).toHaveText("That customer does not exist or was deleted.");
  await expect(page.getByRole("heading", { name: "Edit Soon Deleted" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save changes" })).toBeEnabled();
  expect(await page.evaluate(() => (window as unknown as { __titles: string[] }).__titles)).toEqual([
    "Edit Soon Deleted",
    "Edit Renamed Too Late",
    "Edit Soon Deleted",
  ]);

  holding = false;
  for (const release of held.splice(0)) release();
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});
