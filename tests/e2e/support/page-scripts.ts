import { gzipSync } from "node:zlib";
import type { Page } from "@playwright/test";

/** The README's budget for `/customers` JavaScript, gzip; 1 kB = 1000 bytes. */
export const CUSTOMERS_JS_BUDGET_KB = 150;

export interface PageScripts {
  /** Each script's URL and its size gzip-compressed at level 9. */
  files: { url: string; gzipBytes: number }[];
  gzipBytes: number;
}

/**
 * The JavaScript a visit to `path` loads: every script response until the page has hydrated and
 * the network is idle, each gzip-compressed at level 9 as served. The figure `npm run bench`
 * reports and the browser suite holds to the budget, measured one way.
 */
export async function pageScripts(page: Page, path: string): Promise<PageScripts> {
  const urls = new Set<string>();
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") urls.add(response.url());
  });
  await page.goto(path);
  await page.locator('html[data-hydrated="true"]').waitFor();
  await page.waitForLoadState("networkidle");
  const files = [];
  for (const url of urls) {
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    files.push({ url, gzipBytes: gzipSync(body, { level: 9 }).length });
  }
  return { files, gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}
