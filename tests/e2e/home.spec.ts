import { expect, test } from "@playwright/test";

test("the home page is server-rendered and hydrates without errors", async ({ page, request }) => {
  const html = await (await request.get("/", { headers: { "Sec-Fetch-Dest": "document" } })).text();
  expect(html).toContain("Your customers, one hover away.");
  expect(html).toContain("window.__CLIENTELE_CONFIG__=");

  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your customers, one hover away.");
  expect(problems).toEqual([]);
});
