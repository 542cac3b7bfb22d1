/**
 * Web-to-lead in the browser (issue 23.3): an admin turns it on in the workspace's settings and
 * copies the URL; a website on another origin posts its contact form there with `fetch` (JSON,
 * so the browser sends a CORS preflight first); the lead appears live in the admin's open list.
 * Past the workspace's limit the website is answered 429 with a Retry-After it can read.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { api } from "../../convex/_generated/api";
import { LEADS_PER_MINUTE } from "../../convex/lib/webToLead";
import { floodLeads } from "../support/lead-flood";
import { backendPort } from "./support/env";
import { convexAs, convexAsAdmin, signIn, uniqueEmail } from "./support/users";

/** As tests/e2e/accessibility.spec.ts checks every page: WCAG 2.1 A and AA, and best practices. */
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** A company's website: a contact form whose script posts JSON to the lead URL in `?to=`. */
const WEBSITE = `<!doctype html>
<html lang="en"><head><title>Example Corp</title></head><body>
<form id="contact">
  <label>Name <input name="name" required></label>
  <label>Email <input name="email" type="email" required></label>
  <label>Message <textarea name="notes"></textarea></label>
  <button>Send</button>
</form>
<p id="result" role="status"></p>
<script>
  const to = new URLSearchParams(location.search).get("to");
  document.getElementById("contact").addEventListener("submit", async (event) => {
    event.preventDefault();
    document.getElementById("result").textContent = "";
    const response = await fetch(to, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.fromEntries(new FormData(event.target))),
    });
    document.getElementById("result").textContent = response.ok
      ? "Thank you!"
      : response.status + " retry after " + response.headers.get("Retry-After");
  });
</script>
</body></html>`;

let website: Server;
let websiteURL: string;

test.beforeAll(async () => {
  website = createServer((_request, response) => response.writeHead(200, { "Content-Type": "text/html" }).end(WEBSITE));
  await new Promise<void>((resolve) => website.listen(0, "127.0.0.1", resolve));
  websiteURL = `http://127.0.0.1:${(website.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  await new Promise((resolve) => website.close(resolve));
});

test("a website's form on another origin adds a lead that appears live in the open list; past the limit it is told 429 and when to retry", async ({
  page,
  browser,
}) => {
  test.slow();
  const adminEmail = uniqueEmail("web-to-lead");
  await signIn(page, adminEmail);
  const workspaceId = await (await convexAs(adminEmail)).mutation(api.workspaces.create, { name: "Example Corp" });

  // The admin turns web-to-lead on and copies the URL, which is on the backend's site port.
  await page.goto(`/workspaces/${workspaceId}`);
  const settings = page.getByTestId("web-to-lead");
  await expect(settings.getByTestId("web-to-lead-status")).toHaveText("Off.");
  await settings.getByRole("button", { name: "Turn on web-to-lead" }).click();
  const leadURL = await settings.getByLabel("Form URL").inputValue();
  expect(leadURL).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${backendPort + 1}/leads/[A-Za-z0-9_-]{59}$`));
  await expect(settings.getByRole("status")).toContainText("shown only once");
  await settings.getByText("A form that posts to it").click();
  const { violations } = await new AxeBuilder({ page }).include('[data-testid="web-to-lead"]').withTags(AXE_TAGS).analyze();
  expect(violations.map((violation) => violation.id)).toEqual([]);

  await page.goto(`/customers?workspace=${workspaceId}`);
  await expect(page.getByTestId("customer-row")).toHaveCount(0);

  // A visitor of the website, in a browser of their own, sends the contact form.
  const visitor = await browser.newContext();
  const site = await visitor.newPage();
  await site.goto(`${websiteURL}?to=${encodeURIComponent(leadURL)}`);
  await site.getByLabel("Name").fill("Grace Hopper");
  await site.getByLabel("Email").fill("grace@example.com");
  await site.getByLabel("Message").fill("Please call me back.");
  await site.getByRole("button", { name: "Send" }).click();
  // A cross-origin JSON post is sent only after the preflight admits it, and read only with CORS.
  await expect(site.getByRole("status")).toHaveText("Thank you!");
  await expect(page.getByTestId("customer-row")).toHaveText(["Grace Hopper"]);

  // A flood uses up the minute's leads and keeps the bucket empty; the website's next post is refused.
  const flood = await floodLeads(await convexAsAdmin(), leadURL.split("/leads/")[1]!);
  let attempt = 0;
  let answer: string;
  do {
    await site.getByLabel("Name").fill(`Late ${++attempt}`);
    await site.getByRole("button", { name: "Send" }).click();
    await expect(site.getByRole("status")).not.toBeEmpty();
    answer = (await site.getByRole("status").textContent()) ?? "";
  } while (answer === "Thank you!" && attempt < 3);
  await flood.stop();
  expect(answer).toMatch(/^429 retry after [12]$/);
  const { page: customers } = await (
    await convexAs(adminEmail)
  ).query(api.customers.listByUser, { workspaceId, paginationOpts: { numItems: 500, cursor: null } });
  const names = customers.map((customer) => customer.name);
  expect(names.length).toBeGreaterThanOrEqual(LEADS_PER_MINUTE);
  expect(names).toContain("Grace Hopper");
  expect(names).not.toContain(`Late ${attempt}`);
  await visitor.close();
});
