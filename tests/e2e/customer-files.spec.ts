/**
 * The Files tab: several uploads at once, each with its own progress bar and Cancel; files dropped
 * on the tab; the 25 MB limit before anything is sent; live in a teammate's tab; opened and
 * downloaded under the original name; removed for everyone, in the history. One team for the file.
 * (The tab without JavaScript, its hover preload, axe and the outsider's 404: customer-tabs.spec.ts.)
 */
import { readFile } from "node:fs/promises";
import { type BrowserContext, expect, type Page, type Route, test } from "@playwright/test";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { MAX_FILE_BYTES } from "../../convex/lib/fileRules";
import { convexAs, signedInContext, teamOf, uniqueEmail } from "./support/users";

test.describe.configure({ mode: "serial" });

let workspaceId: Id<"workspaces">;
let customerId: string;
let memberName: string;
let admin: { context: BrowserContext; page: Page };
let member: { context: BrowserContext; page: Page };

const QUOTE = { name: "quote.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(200_000, 7) };
const filesPath = () => `/customers/${customerId}/files?workspace=${workspaceId}`;
const picker = (page: Page) => page.getByLabel("Attach files, or drop them here");

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  const adminEmail = uniqueEmail("files-admin");
  const memberEmail = uniqueEmail("files-member");
  memberName = memberEmail.split("@")[0]!;
  workspaceId = await teamOf("Files Team", adminEmail, [memberEmail]);
  const created = await (
    await convexAs(adminEmail)
  ).mutation(api.customers.createMany, { workspaceId, customers: [{ name: "Ada Lovelace", email: "ada@example.com" }] });
  customerId = created[0]!;
  admin = await signedInContext(browser, adminEmail);
  member = await signedInContext(browser, memberEmail);
  for (const { page } of [admin, member]) {
    await page.goto(filesPath());
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  }
});

test.afterAll(async () => {
  await admin?.context.close();
  await member?.context.close();
});

test("two files upload at once, each with its own progress bar; one is cancelled, the other shows in a teammate's open tab", async () => {
  const { page } = member;
  // A slow network: each upload's request is held until released.
  const held: Route[] = [];
  await page.route("**/api/storage/upload?**", (route) => void held.push(route));
  await picker(page).setInputFiles([QUOTE, { name: "draft.txt", mimeType: "text/plain", buffer: Buffer.from("draft") }]);

  const quoteBar = page.getByRole("progressbar", { name: "Uploading quote.pdf" });
  await expect(quoteBar).toBeVisible();
  await expect(quoteBar).toHaveAttribute("max", String(QUOTE.buffer.length));
  await expect(page.getByRole("progressbar", { name: "Uploading draft.txt" })).toBeVisible();
  await expect.poll(() => held.length).toBe(2);

  await page.getByRole("button", { name: "Cancel upload of draft.txt" }).click();
  await expect(page.getByTestId("upload")).toHaveCount(1);
  await expect(page.getByRole("status")).toHaveText("Upload of draft.txt cancelled");
  // The cancelled request is gone; releasing it does nothing.
  for (const route of held) await route.continue().catch(() => undefined);
  await expect(page.getByTestId("upload")).toHaveCount(0);
  await expect(page.getByRole("status")).toHaveText("quote.pdf attached");
  await page.unroute("**/api/storage/upload?**");

  for (const { page: each } of [member, admin]) {
    const files = each.getByTestId("file");
    await expect(files).toHaveCount(1);
    await expect(files.first()).toContainText("quote.pdf");
    await expect(files.first()).toContainText(`application/pdf · 195 KB · added by ${memberName}`);
  }
});

test("files dropped on the tab are uploaded", async () => {
  const { page } = admin;
  await page.getByTestId("customer-files").evaluate((tab) => {
    const data = new DataTransfer();
    data.items.add(new File(["one"], "dropped-1.txt", { type: "text/plain" }));
    data.items.add(new File(["two"], "dropped-2.txt", { type: "text/plain" }));
    data.items.add(new File(["<script>alert(1)</script>"], "page.html", { type: "text/html" }));
    tab.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
    tab.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await expect(page.getByTestId("file")).toHaveCount(4);
  await expect(member.page.getByTestId("file").filter({ hasText: "dropped-2.txt" })).toBeVisible();
  // A text file opens in the browser; an HTML file (which would run on the storage URL's origin) only downloads.
  await expect(page.getByRole("link", { name: "dropped-2.txt", exact: true })).toBeVisible();
  const html = page.getByTestId("file").filter({ hasText: "page.html" });
  await expect(html.getByRole("link", { name: "page.html", exact: true })).toHaveCount(0);
  await expect(html.getByRole("link", { name: "Download page.html" })).toBeVisible();
});

test("a file over 25 MB is refused before anything is sent, with the limit in the message", async () => {
  const { page } = admin;
  const sent: string[] = [];
  const onRequest = (request: { url(): string }) => {
    if (request.url().includes("/api/storage/")) sent.push(request.url());
  };
  page.on("request", onRequest);
  // Made in the page: sending 25 MB through Playwright's protocol takes seconds on a busy machine.
  await picker(page).evaluate((input: HTMLInputElement, size) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(size)], "huge.zip", { type: "application/zip" }));
    input.files = data.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }, MAX_FILE_BYTES + 1);
  await expect(page.getByRole("alert")).toHaveText(
    "“huge.zip” is 26,214,401 bytes; a file can be at most 25 MB (26,214,400 bytes).",
  );
  page.off("request", onRequest);
  expect(sent).toEqual([]);
  await page.getByRole("button", { name: "Dismiss huge.zip" }).click();
  await expect(page.getByTestId("upload")).toHaveCount(0);
});

test("a file opens and downloads under its original name; its uploader or an admin removes it for everyone", async () => {
  const { page } = admin;
  const quote = page.getByTestId("file").filter({ hasText: "quote.pdf" });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    quote.getByRole("link", { name: "Download quote.pdf" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("quote.pdf");
  const path = await download.path();
  expect(path).toBeTruthy();
  expect((await readFile(path)).equals(QUOTE.buffer)).toBe(true);

  const url = await quote.getByRole("link", { name: "quote.pdf", exact: true }).getAttribute("href");
  const opened = await page.request.get(url!);
  expect(opened.status()).toBe(200);
  expect(opened.headers()["content-type"]).toBe("application/pdf");

  // The member may remove their own upload, not the admin's.
  const dropped = member.page.getByTestId("file").filter({ hasText: "dropped-1.txt" });
  await expect(dropped.getByRole("button", { name: /^Remove/ })).toHaveCount(0);
  await expect(
    member.page.getByTestId("file").filter({ hasText: "quote.pdf" }).getByRole("button", { name: "Remove quote.pdf" }),
  ).toBeVisible();

  // The admin removes the member's file.
  await quote.getByRole("button", { name: "Remove quote.pdf" }).click();
  await page.getByRole("button", { name: "Yes, remove" }).click();
  for (const each of [page, member.page]) await expect(each.getByTestId("file").filter({ hasText: "quote.pdf" })).toHaveCount(0);
  expect((await page.request.get(url!)).status()).toBe(404);

  await page.getByTestId("customer-tab-activity").click();
  const entries = page.getByTestId("activity-entry");
  await expect(entries.first()).toContainText("removed the file “quote.pdf”");
  await expect(page.getByTestId("customer-activity")).toContainText(`${memberName} attached the file “quote.pdf”`);
});
