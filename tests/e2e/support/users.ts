import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Browser, type BrowserContext, expect, type Page } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { CustomerInput } from "../../../convex/lib/customerRules";
import { adminClient } from "../../support/admin-client";
import { backendURL, dataDir, keysDir } from "./env";

let counter = 0;
/** Each Playwright worker is a process of its own, with its own counter. */
const worker = process.env.TEST_WORKER_INDEX ?? "0";
/** A user no other test has seen: tests share one backend, never data. */
export function uniqueEmail(label: string): string {
  return `${label}-${Date.now().toString(36)}-w${worker}-${counter++}@e2e.test`;
}

const run = promisify(execFile);

/**
 * A token from the local identity provider, as `npm run --silent token` prints it. Asynchronous:
 * a blocked event loop would keep the HTTP client from noticing a keep-alive connection the
 * backend closed meanwhile, and its next request would fail with "other side closed".
 */
export async function tokenFor(email: string): Promise<string> {
  const { stdout } = await run("npm", ["run", "--silent", "token", "--", email], {
    env: { ...process.env, LOCAL_AUTH_KEYS_DIR: keysDir },
    encoding: "utf8",
  });
  return stdout.trim();
}

/** Another client of the same backend, acting as that user (another tab, a script, a teammate). */
export async function convexAs(email: string, url: string = backendURL): Promise<ConvexHttpClient> {
  const client = new ConvexHttpClient(url);
  client.setAuth(await tokenFor(email));
  return client;
}

/**
 * A client with the suite's backend's admin key (read from its data directory, as `npm start`
 * reads it): it may run internal functions, as `npx convex run` does.
 */
export async function convexAsAdmin(): Promise<ConvexHttpClient> {
  return adminClient(backendURL, (await readFile(join(dataDir, "admin-key"), "utf8")).trim());
}

export async function addCustomers(email: string, customers: CustomerInput[], url: string = backendURL): Promise<string[]> {
  return await (await convexAs(email, url)).mutation(api.customers.createMany, { customers });
}

/** Attaches a file to a customer as a teammate's browser would: an upload URL, the bytes POSTed there, the attach. */
export async function attachFile(
  client: ConvexHttpClient,
  target: { workspaceId: Id<"workspaces">; customerId: string },
  file: { name: string; type: string; bytes: Uint8Array<ArrayBuffer> },
): Promise<Id<"files">> {
  const upload = await fetch(await client.mutation(api.files.generateUploadUrl, target), {
    method: "POST",
    headers: { "Content-Type": file.type },
    body: file.bytes,
  });
  expect(upload.status).toBe(200);
  const { storageId } = (await upload.json()) as { storageId: Id<"_storage"> };
  return await client.mutation(api.files.attach, {
    ...target,
    storageId,
    name: file.name,
    contentType: file.type,
    size: file.bytes.length,
  });
}

/** Signs in through the real form; lands on `expectedPath` (the list by default). */
export async function signIn(page: Page, email: string, expectedPath: RegExp = /\/customers/) {
  await page.goto("/sign-in");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(expectedPath);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** A signed-in browser context of its own: another tab, another person at another computer. */
export async function signedInContext(
  browser: Browser,
  email: string,
  landing?: RegExp,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email, landing);
  return { context, page };
}

/** A team made through the public API (what a script could do): admin plus accepted members. */
export async function teamOf(name: string, admin: string, members: string[]): Promise<Id<"workspaces">> {
  const adminClient = await convexAs(admin);
  const workspaceId = await adminClient.mutation(api.workspaces.create, { name });
  for (const member of members) {
    const invitationId = await adminClient.mutation(api.workspaces.invite, { workspaceId, email: member, role: "member" });
    await (await convexAs(member)).mutation(api.workspaces.acceptInvitation, { invitationId });
  }
  return workspaceId;
}

/** Records, from the first paint on, whether a route's pending UI was ever shown. */
export async function watchForPendingUi(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __pendingSeen: boolean };
    w.__pendingSeen = false;
    new MutationObserver(() => {
      if (document.querySelector(".pending")) w.__pendingSeen = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  return async () => page.evaluate(() => (window as unknown as { __pendingSeen: boolean }).__pendingSeen);
}
