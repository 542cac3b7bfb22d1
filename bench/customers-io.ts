/**
 * Customers in and out (issue 23), in the built app on the local backend, driven in Chromium:
 * - a CSV file of `--rows` rows (default 100,000) read and checked in the import page's worker,
 *   then imported through `imports:importBatch` as a user does it: total time, rows per second,
 *   and the page's longest task during each (PerformanceObserver, tasks of 50 ms and more);
 * - Export CSV of those customers: time to the download, and the page's longest task;
 * - the status counts query (the list's first page with `summaryWeek`) at that many customers,
 *   beside the same page without the counts;
 * - a web-to-lead post (JSON, one at a time) within the rate limit: a few team workspaces,
 *   fewer posts each than their bucket holds, so no post is answered 429.
 * The import writes the customers the export and the counts then read: what the figures measure
 * is what a user's 100,000-row file leaves, through the mutations that write it.
 */
import type { Page } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { LEADS_PATH, LEADS_PER_MINUTE } from "../convex/lib/webToLead";
import { weekStartOf } from "../convex/lib/weeks";
import { startBenchStack } from "./stack";
import { type BenchFigure, type BenchSuite, percentile, suiteFigures } from "./suite";

const suiteName = "customers-io";
const USER = "importer@bench.local";
/** First of the ports the suite uses: backend (and its site port, the next one), app, proxy. */
const BASE_PORT = Number(process.env.BENCH_PORT ?? 3610);
/** A long task as Chromium reports one (PerformanceLongTaskTiming): 50 ms or more. */
const LONG_TASK_MS = 50;
const COUNTS_SAMPLES = 100;
const LEAD_WORKSPACES = 3;
/** Posts per workspace: fewer than its bucket holds, so the limit never answers instead of the action. */
const LEADS_PER_WORKSPACE = LEADS_PER_MINUTE - 10;
/** Long enough for a 100,000-row import on a busy machine. */
const IMPORT_TIMEOUT_MS = 30 * 60_000;

const { figure } = suiteFigures(suiteName);

const count = (n: number) => n.toLocaleString("en");

/** A CSV file as a spreadsheet exports one: a header, every field, a few quoted cells. */
function csvFile(rows: number): Buffer {
  const statuses = ["Lead", "Active", "Inactive"];
  const lines = ["Name,Email,Company,Phone,Status,Notes"];
  for (let i = 0; i < rows; i++) {
    const company = i % 7 === 0 ? `"Company ${i % 997}, Ltd"` : `Company ${i % 997}`;
    lines.push(
      `Customer ${i},customer${i}@example.com,${company},+44 20 7946 ${String(i % 10_000).padStart(4, "0")},${statuses[i % 3]},Imported for the bench`,
    );
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");
}

/** Records every long task of the page from its start, for `longestTask`. */
const LONG_TASK_RECORDER = `window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
}).observe({ type: "longtask", buffered: true });`;

/** The page's clock now (ms since its navigation start): the long tasks' time line. */
const pageNow = (page: Page) => page.evaluate(() => performance.now());

/**
 * The longest task that overlapped [from, to] on the page's clock, in ms, and how many long tasks
 * there were; 0 when no task took LONG_TASK_MS or more.
 */
async function longestTask(page: Page, from: number, to: number): Promise<{ longest: number; count: number }> {
  const tasks = await page.evaluate(
    () => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks,
  );
  const during = tasks.filter((task) => task.start + task.duration >= from && task.start <= to);
  return { longest: Math.max(0, ...during.map((task) => task.duration)), count: during.length };
}

function longTaskFigure(label: string, { longest, count: tasks }: { longest: number; count: number }): BenchFigure {
  return tasks === 0
    ? figure(`${label}: longest task (none of ${LONG_TASK_MS} ms or more)`, 0, "ms")
    : figure(`${label}: longest task (${tasks} of ${LONG_TASK_MS} ms or more)`, longest, "ms");
}

async function importFigures(page: Page, rows: number): Promise<BenchFigure[]> {
  await page.goto("/customers/import");
  await page.locator('html[data-hydrated="true"]').waitFor();
  const file = csvFile(rows);
  // Chosen from disk as a user chooses it: a file given as a buffer is rebuilt inside the page by
  // Playwright's own script, a long task of the bench's making.
  const dir = await mkdtemp(join(tmpdir(), "clientele-csv-"));
  const path = join(dir, "customers.csv");
  await writeFile(path, file);
  const readStart = await pageNow(page);
  await page.getByLabel("Choose a CSV file, or drop one here").setInputFiles(path);
  const summary = page.getByTestId("check-summary");
  await summary.waitFor({ timeout: IMPORT_TIMEOUT_MS });
  const readEnd = await pageNow(page);
  await rm(dir, { recursive: true, force: true });
  const summaryText = await summary.textContent();
  if (summaryText !== `${count(rows)} ready to import, 0 with errors.`)
    throw new Error(`the file was checked as: ${summaryText}`);

  const importStart = await pageNow(page);
  await page.getByRole("button", { name: `Import ${count(rows)} customers` }).click();
  const status = page.getByTestId("import-status");
  await status.filter({ hasText: /^Imported: / }).waitFor({ timeout: IMPORT_TIMEOUT_MS });
  const importEnd = await pageNow(page);
  const statusText = await status.textContent();
  const expected = `Imported: ${count(rows)} of ${count(rows)} rows. ${count(rows)} created, 0 updated, 0 already there.`;
  if (statusText !== expected) throw new Error(`the import ended with: ${statusText}`);
  const importMs = importEnd - importStart;
  return [
    figure(
      `CSV import, ${count(rows)} rows (${(file.length / 2 ** 20).toFixed(1)} MiB): read and checked in the worker`,
      readEnd - readStart,
      "ms",
    ),
    longTaskFigure(`CSV import, ${count(rows)} rows: reading and checking`, await longestTask(page, readStart, readEnd)),
    figure(`CSV import, ${count(rows)} rows: import, click to done`, importMs, "ms"),
    figure(`CSV import, ${count(rows)} rows: rows per second`, rows / (importMs / 1000), "rows/s"),
    longTaskFigure(`CSV import, ${count(rows)} rows: importing`, await longestTask(page, importStart, importEnd)),
  ];
}

async function exportFigures(page: Page, rows: number): Promise<BenchFigure[]> {
  await page.goto("/customers");
  await page.locator('html[data-hydrated="true"]').waitFor();
  await page.getByRole("option", { name: `All (${count(rows)})` }).waitFor({ state: "attached" });
  const start = await pageNow(page);
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: IMPORT_TIMEOUT_MS }),
    page.getByRole("button", { name: "Export CSV" }).click(),
  ]);
  const end = await pageNow(page);
  const lines = (await readFile(await download.path(), "utf8")).trimEnd().split("\r\n");
  if (lines.length !== rows + 1) throw new Error(`the export has ${lines.length} lines for ${rows} customers and a header`);
  return [
    figure(`CSV export, ${count(rows)} customers: click to download`, end - start, "ms"),
    longTaskFigure(`CSV export, ${count(rows)} customers`, await longestTask(page, start, end)),
  ];
}

/**
 * The list's first page with and without the counts, each call with arguments of its own (a
 * pagination id, an instant of this week) so the backend's query cache answers none of them.
 */
async function countsFigures(client: ConvexHttpClient, rows: number): Promise<BenchFigure[]> {
  const week = weekStartOf(Date.now());
  const firstPage = (i: number) => ({ numItems: 50, cursor: null, id: i });
  const withCounts: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < COUNTS_SAMPLES; i++) {
    let t0 = performance.now();
    const page = await client.query(api.customers.listByUser, { paginationOpts: firstPage(2 * i), summaryWeek: week + i });
    withCounts.push(performance.now() - t0);
    if (page.summary?.counts.all !== rows) throw new Error(`the counts say ${page.summary?.counts.all} customers, not ${rows}`);
    t0 = performance.now();
    await client.query(api.customers.listByUser, { paginationOpts: firstPage(2 * i + 1) });
    without.push(performance.now() - t0);
  }
  return [
    figure(
      `status counts query at ${count(rows)} customers (the list's first page with the counts), p50`,
      percentile(withCounts, 50),
      "ms",
    ),
    figure(`status counts query at ${count(rows)} customers, p99`, percentile(withCounts, 99), "ms"),
    figure(`the same first page without the counts, p50`, percentile(without, 50), "ms"),
  ];
}

async function webToLeadFigures(client: ConvexHttpClient, siteUrl: string): Promise<BenchFigure[]> {
  const samples: number[] = [];
  for (let w = 0; w < LEAD_WORKSPACES; w++) {
    const workspaceId: Id<"workspaces"> = await client.mutation(api.workspaces.create, { name: `Leads ${w}` });
    const token = await client.action(api.webToLead.issueToken, { workspaceId });
    const url = `${siteUrl}${LEADS_PATH}${token}`;
    for (let i = 0; i < LEADS_PER_WORKSPACE; i++) {
      const t0 = performance.now();
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: `Lead ${w}-${i}`, email: `lead${w}-${i}@example.com`, company: "Website" }),
      });
      await response.arrayBuffer();
      if (response.status !== 201) throw new Error(`a web-to-lead post was answered ${response.status}`);
      samples.push(performance.now() - t0);
    }
  }
  const label = `${LEAD_WORKSPACES} workspaces × ${LEADS_PER_WORKSPACE} posts, within the ${LEADS_PER_MINUTE}/min limit`;
  return [
    figure(`web-to-lead post (JSON) to created, p50 (${label})`, percentile(samples, 50), "ms"),
    figure(`web-to-lead post (JSON) to created, p99`, percentile(samples, 99), "ms"),
  ];
}

export const customersIoSuite: BenchSuite = {
  name: suiteName,
  async run(flags) {
    const rows = Number(flags.rows ?? 100_000);
    if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows ${flags.rows}: expected a whole number of rows`);
    const stack = await startBenchStack({
      backendPort: BASE_PORT,
      proxyPort: BASE_PORT + 3,
      apps: { app: { port: BASE_PORT + 2 } },
    });
    const figures: BenchFigure[] = [];
    try {
      const context = await stack.signedInContext(stack.apps.app!.url, USER);
      await context.addInitScript(LONG_TASK_RECORDER);
      const page = await context.newPage();
      figures.push(...(await importFigures(page, rows)));
      figures.push(...(await exportFigures(page, rows)));
      await context.close();

      const client = new ConvexHttpClient(stack.backendUrl);
      client.setAuth(stack.token(USER));
      figures.push(...(await countsFigures(client, rows)));
      // The backend's site port (HTTP actions) is the one after its own.
      figures.push(...(await webToLeadFigures(client, `http://127.0.0.1:${BASE_PORT + 1}`)));
    } finally {
      await stack.close();
    }
    return figures;
  },
};
