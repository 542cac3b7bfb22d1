import { expect, test } from "@playwright/test";
import { baseURL } from "./support/env";
import { addCustomers, signIn, uniqueEmail } from "./support/users";

test("a signed-out visit redirects to sign-in and returns to the page asked for", async ({ page }) => {
  await page.goto("/customers/new");
  await expect(page).toHaveURL(/\/sign-in\?redirect=%2Fcustomers%2Fnew/);
  await expect(page.getByRole("note")).toContainText("Local sign-in");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(uniqueEmail("return"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/customers\/new$/);
  await expect(page.getByRole("heading", { name: "New customer" })).toBeVisible();
});

test("sign-in rejects an invalid email with a clear message", async ({ page }) => {
  await page.goto("/sign-in");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Enter a valid email address");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("sign-in says when the server cannot be reached, keeps what was typed, and works once it can", async ({ page }) => {
  const email = uniqueEmail("offline-sign-in");
  await page.goto("/sign-in");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.route("**/_serverFn/**", (route) => route.abort("internetdisconnected"));
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Could not reach the server. Check your connection and try again.");
  await expect(page.getByLabel("Email")).toHaveValue(email);

  await page.unrouteAll();
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/customers/);
});

// Issue 20: targets that look like paths but resolve to another site; a real sign-in stays here.
for (const target of [
  "https://evil.example/",
  "/..//evil.example",
  "/.//evil.example",
  "/%2e%2e//evil.example",
  "/%2F%2Fevil.example",
]) {
  test(`an off-site redirect target is ignored: ${target}`, async ({ page }) => {
    await page.goto(`/sign-in?redirect=${encodeURIComponent(target)}`);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Email").fill(uniqueEmail("evil"));
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(`${baseURL}/customers`);
    await expect(page.getByText("No customers yet.")).toBeVisible();

    // Signed in, the same link is answered by the server's redirect: still this site.
    await page.goto(`/sign-in?redirect=${encodeURIComponent(target)}`);
    await expect(page).toHaveURL(`${baseURL}/customers`);
  });
}

test("a redirect target on this site keeps its query and fragment", async ({ page }) => {
  await page.goto(`/sign-in?redirect=${encodeURIComponent("/customers?q=a%2Fb#notes")}`);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(uniqueEmail("query"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${baseURL}/customers?q=a%2Fb#notes`);
});

test("sign-out ends the session", async ({ page }) => {
  await signIn(page, uniqueEmail("signout"));
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${baseURL}/`);
  await page.goto("/customers");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("the first HTML is already signed in, and hydration shows no flicker or warnings", async ({ page, context }) => {
  const email = uniqueEmail("ssr");
  await addCustomers(email, [{ name: "Server Rendered", email: "sr@example.com" }]);
  await signIn(page, email);
  const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const html = await (await page.request.get("/customers", { headers: { cookie: cookies } })).text();
  expect(html).toContain(email);
  expect(html).toContain("Server Rendered");
  expect(html).not.toContain(">Sign in<");

  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
  });
  // Record every text the signed-in header ever showed, from the first paint on.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __signedOutSeen: string[] }).__signedOutSeen = seen;
    new MutationObserver(() => {
      if (document.querySelector('a.user-menu[href="/sign-in"]')) seen.push("signed-out header");
      if (document.querySelector(".pending")) seen.push("pending");
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto("/customers");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByText("Server Rendered")).toBeVisible();
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __signedOutSeen: string[] }).__signedOutSeen)).toEqual([]);
  expect(problems).toEqual([]);
});

test("a forged session cookie reads as signed out, not as an error", async ({ page, context }) => {
  await context.addCookies([{ name: "clientele_session", value: "eyJlbWFpbCI6ImFAYi5jbyIsImlhdCI6MX0.forged", url: baseURL }]);
  const response = await page.goto("/customers");
  await expect(page).toHaveURL(/\/sign-in/);
  expect(response?.status()).toBeLessThan(400);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("server functions refuse cross-site requests", async ({ page, request }) => {
  // The real sign-in server function, as the form calls it.
  const signInCall = page.waitForRequest((r) => r.url().includes("/_serverFn/") && r.method() === "POST");
  await signIn(page, uniqueEmail("csrf"));
  const { url, body, headers } = await signInCall.then((r) => ({ url: r.url(), body: r.postData(), headers: r.headers() }));
  const replay = (extra: Record<string, string>) =>
    request.post(url, { headers: { "content-type": headers["content-type"] ?? "application/json", ...extra }, data: body ?? "" });

  const crossSite = await replay({ origin: "https://evil.example", "sec-fetch-site": "cross-site" });
  expect(crossSite.status()).toBe(403);
  expect(crossSite.headers()["set-cookie"]).toBeUndefined();
  const sameOrigin = await replay({ origin: baseURL, "sec-fetch-site": "same-origin" });
  expect(sameOrigin.status()).toBe(200);
});

test("hovering and navigating does not call the auth server function again", async ({ page }) => {
  const email = uniqueEmail("hover");
  await addCustomers(
    email,
    Array.from({ length: 10 }, (_, i) => ({ name: `Hover ${i}`, email: `h${i}@example.com` })),
  );
  await signIn(page, email);
  await page.goto("/customers");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const serverFnCalls: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/_serverFn/")) serverFnCalls.push(r.url());
  });
  for (let i = 0; i < 10; i++) {
    const row = page.getByTestId("customer-row").nth(i);
    await row.hover();
    await row.click();
    await expect(page.getByTestId("customer-detail")).toBeVisible();
    await page.getByRole("link", { name: "Customers" }).hover();
    await page.getByRole("link", { name: "Customers" }).click();
    await expect(page.getByTestId("customers-table")).toBeVisible();
  }
  expect(serverFnCalls.length).toBeLessThanOrEqual(1);
});
