import { expect, test } from "@playwright/test";
import { addCustomers, signIn, uniqueEmail } from "./support/users";

test("client-side navigation requests no icon or manifest: the tab's icon is inline, not fetched again per page URL", async ({
  page,
}) => {
  const email = uniqueEmail("icon");
  await addCustomers(email, [{ name: "Icon Check", email: "icon@example.com" }]);
  await signIn(page, email);
  const iconRequests: string[] = [];
  page.on("request", (request) => {
    // Chromium fetches icons as resource type "other"; a linked icon file is named so.
    const path = new URL(request.url()).pathname;
    if (["other", "manifest"].includes(request.resourceType()) || /icon|manifest/i.test(path)) iconRequests.push(request.url());
  });

  for (let i = 0; i < 2; i++) {
    await page.getByTestId("customer-row").first().click();
    await expect(page.getByTestId("customer-detail")).toContainText("icon@example.com");
    await page.getByRole("link", { name: "Customers", exact: true }).click();
    await expect(page.getByTestId("customer-row")).toHaveText(["Icon Check"]);
  }
  // Chromium asks for the icon once a navigation has committed, shortly after the content shows.
  await page.waitForTimeout(1_000);
  expect(iconRequests).toEqual([]);
});

test("every script a page and its preloads load opens with V8's compile hint, so a first click compiles nothing", async ({
  page,
}) => {
  const email = uniqueEmail("hints");
  await addCustomers(email, [{ name: "Hint Check", email: "hint@example.com" }]);
  const scripts = new Map<string, Promise<string>>();
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") scripts.set(response.url(), response.text());
  });
  await signIn(page, email);
  // The hover preload loads the detail route's chunks too.
  await page.getByTestId("customer-row").first().hover();
  await page.getByTestId("customer-row").first().click();
  await expect(page.getByTestId("customer-detail")).toContainText("hint@example.com");

  expect(scripts.size).toBeGreaterThan(1);
  for (const [url, text] of scripts) {
    expect((await text).split("\n", 1)[0], url).toBe("//# allFunctionsCalledOnLoad");
  }
});

test("keyboard focus on a link preloads its page at once, not after the hover delay", async ({ page }) => {
  const email = uniqueEmail("focus-preload");
  const [, focusedId] = await addCustomers(email, [
    { name: "Focus Other", email: "other@example.com" },
    { name: "Focus Target", email: "target@example.com" },
  ]);
  const subscribed: string[] = [];
  page.on("websocket", (socket) =>
    socket.on("framesent", ({ payload }) => {
      if (typeof payload === "string" && payload.includes('"customers:get"')) subscribed.push(payload);
    }),
  );
  await signIn(page, email);
  await page.mouse.move(0, 0);
  const row = page.getByTestId("customer-row").filter({ hasText: "Focus Target" });
  await expect(row).toHaveAttribute("href", new RegExp(focusedId!));

  // Focus leaves again in the same task: a preload waiting out the router's intent delay is
  // cancelled by the blur, one started by the focus itself is already on its way.
  await row.evaluate((link: HTMLElement) => {
    link.focus();
    link.blur();
  });
  await expect.poll(() => subscribed.some((frame) => frame.includes(focusedId!))).toBe(true);
});

test("the list loads the detail page's code once idle, before any hover or tap, and no data with it", async ({ page }) => {
  const email = uniqueEmail("idle-code");
  await addCustomers(email, [{ name: "Idle Code", email: "idle@example.com" }]);
  const detailChunk = page.waitForRequest((request) => /\/assets\/_customerId-[^/]+\.js$/.test(request.url()));
  const framesSent: string[] = [];
  page.on("websocket", (socket) => socket.on("framesent", ({ payload }) => framesSent.push(String(payload))));
  // Signed in from the keyboard: no pointer rests on a row to preload it.
  await page.goto("/sign-in");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Email").press("Enter");
  await page.waitForURL(/\/customers/);
  await detailChunk;
  expect(framesSent.filter((frame) => frame.includes('"customers:get"'))).toEqual([]);
});

test("scripts are served from the build's brotli and gzip copies, not compressed per request", async ({ page, request }) => {
  await page.goto("/sign-in");
  const script = await page
    .locator('script[type="module"][src], link[rel="modulepreload"]')
    .first()
    .evaluate((element) => (element instanceof HTMLScriptElement ? element.src : (element as HTMLLinkElement).href));
  const plain = await request.get(script, { headers: { "accept-encoding": "identity" } });
  for (const encoding of ["br", "gzip"]) {
    const response = await request.get(script, { headers: { "accept-encoding": encoding } });
    expect(response.headers()["content-encoding"]).toBe(encoding);
    // A file compressed per request is streamed without a length; a stored copy has one.
    expect(Number(response.headers()["content-length"])).toBeGreaterThan(0);
    expect((await response.body()).equals(await plain.body())).toBe(true);
  }
});

test("opening a customer keeps the list mounted, hidden: Back shows the same rows at once, and the list is live meanwhile", async ({
  page,
}) => {
  const email = uniqueEmail("kept");
  await addCustomers(email, [
    { name: "Kept First", email: "kept1@example.com" },
    { name: "Kept Second", email: "kept2@example.com" },
  ]);
  await signIn(page, email);
  const rows = page.getByTestId("customer-row");
  await expect(rows).toHaveText(["Kept Second", "Kept First"]);
  // Marks the row's element: the same element after Back means the list was never unmounted.
  await rows.first().evaluate((row) => ((row as HTMLElement & { __kept?: boolean }).__kept = true));

  await rows.first().click();
  await expect(page.getByTestId("customer-detail")).toContainText("kept2@example.com");
  await expect(page.getByTestId("customers-table")).toBeHidden();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Kept Second");
  // A customer added while the list is hidden is in it when it shows again.
  await addCustomers(email, [{ name: "Kept Third", email: "kept3@example.com" }]);

  await page.goBack();
  await expect(rows).toHaveText(["Kept Third", "Kept Second", "Kept First"]);
  expect(await rows.nth(1).evaluate((row) => (row as HTMLElement & { __kept?: boolean }).__kept === true)).toBe(true);
});

test("the address bar follows a click within a frame of the new page, and history stays in order: Back, Forward, a script's own pushState", async ({
  page,
}) => {
  const email = uniqueEmail("url-after-paint");
  await addCustomers(email, [
    { name: "Url First", email: "url1@example.com" },
    { name: "Url Second", email: "url2@example.com" },
  ]);
  await signIn(page, email);
  const rows = page.getByTestId("customer-row");
  await expect(rows).toHaveText(["Url Second", "Url First"]);
  const entriesBefore = await page.evaluate(() => history.length);

  // Back as soon as the page shows (Escape: the router's history.back) returns to the list, not
  // past it: the pending entry is written first.
  await rows.first().click();
  await expect(page.getByTestId("customer-detail")).toContainText("url2@example.com");
  await page.keyboard.press("Escape");
  await expect(page).toHaveURL(/\/customers$/);
  await expect(rows).toHaveText(["Url Second", "Url First"]);

  await rows.nth(1).click();
  await expect(page.getByTestId("customer-detail")).toContainText("url1@example.com");
  // Once the page has been painted, the entry is written.
  const written = await page.evaluate(
    () =>
      new Promise<{ path: string; length: number }>((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() => setTimeout(() => resolve({ path: location.pathname, length: history.length }), 0)),
        ),
      ),
  );
  expect(written.path).toMatch(/^\/customers\/[^/]+$/);
  expect(written.length).toBe(entriesBefore + 1);
  await page.goBack();
  await expect(rows).toHaveText(["Url Second", "Url First"]);
  await page.goForward();
  await expect(page.getByTestId("customer-detail")).toContainText("url1@example.com");

  // A script writing history itself is followed by the router, and the address changes at once.
  const path = await page.evaluate(() => {
    history.pushState(null, "", "/customers/new");
    return location.pathname;
  });
  expect(path).toBe("/customers/new");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("New customer");
});

test("the title follows the page in one <title> element, and each history entry keeps its own page's title", async ({ page }) => {
  const email = uniqueEmail("titles");
  await addCustomers(email, [{ name: "Title Row", email: "title@example.com" }]);
  await signIn(page, email);
  await expect(page).toHaveTitle("Customers · Clientele");
  const cdp = await page.context().newCDPSession(page);
  // The browser's own record (its Back menu), where a title set before its page's history entry
  // is written would be filed under the page before.
  const lastEntries = async () => {
    const { entries } = await cdp.send("Page.getNavigationHistory");
    return entries
      .slice(-2)
      .map((entry) => [new URL(entry.url).pathname.replace(/^\/customers\/[^/]+/, "/customers/…"), entry.title]);
  };

  await page.getByTestId("customer-row").first().click();
  await expect(page.getByTestId("customer-detail")).toContainText("title@example.com");
  await expect(page).toHaveTitle("Title Row · Clientele");
  await expect(page).toHaveURL(/\/customers\/[^/]+$/);
  expect(await lastEntries()).toEqual([
    ["/customers", "Customers · Clientele"],
    ["/customers/…", "Title Row · Clientele"],
  ]);
  // A tab replaces its page's entry.
  await page.getByTestId("customer-tab-notes").click();
  await expect(page).toHaveTitle("Notes · Title Row · Clientele");
  await expect(page).toHaveURL(/\/notes$/);
  expect(await lastEntries()).toEqual([
    ["/customers", "Customers · Clientele"],
    ["/customers/…/notes", "Notes · Title Row · Clientele"],
  ]);
  await page.goBack();
  await expect(page).toHaveTitle("Customers · Clientele");
  expect(await page.locator("head > title").count()).toBe(1);
});

test("rows are plain links: a plain click navigates in the app, a Ctrl-click opens a tab and leaves the list as it is", async ({
  page,
  context,
}) => {
  const email = uniqueEmail("anchors");
  await addCustomers(email, [{ name: "Anchor Check", email: "anchor@example.com" }]);
  await signIn(page, email);
  const row = page.getByTestId("customer-row").first();
  const href = await row.getAttribute("href");
  expect(href).toMatch(/^\/customers\/[a-z0-9]+$/);

  const opened = context.waitForEvent("page");
  await row.click({ modifiers: ["ControlOrMeta"] });
  const tab = await opened;
  await expect(tab).toHaveURL(new RegExp(`${href}$`));
  await expect(tab.getByTestId("customer-detail")).toContainText("anchor@example.com");
  await tab.close();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByTestId("customers-table")).toBeVisible();

  // A plain click stays in this document: the page's state survives (no reload).
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  await row.click();
  await expect(page.getByTestId("customer-detail")).toContainText("anchor@example.com");
  await expect(page).toHaveURL(new RegExp(`${href}$`));
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
});
