/**
 * Issue 22's file target: a 10 MiB file uploaded and downloaded through the app, as a member does
 * it on the Files tab (the picker, the progress, the attach, the live list; then Download), with
 * the time of each and the peak memory of the local backend and of the app server while it runs.
 * The bytes go from the browser straight to the backend's upload URL and back from its file URL:
 * the app server never sees them (its figure shows it), and the backend streams them to and from
 * disk, so neither should grow by the size of the file, let alone twice it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { Page } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import { startBenchStack } from "./stack";
import { type BenchFigure, type BenchSuite, percentile, suiteFigures } from "./suite";

const FILE_BYTES = 10 * 2 ** 20;
const RUNS = Number(process.env.BENCH_FILE_RUNS ?? 5);
/** First of the ports the suite uses: backend (and its site port, the next one), proxy, app server. */
const BASE_PORT = Number(process.env.BENCH_FILES_PORT ?? 3440);
const USER = "files@bench.local";
const suiteName = "files";
const { figure: fig } = suiteFigures(suiteName);
const MIB = 2 ** 20;

/** Resident memory (bytes) of every process in a process group (npm, tsx and node under it). */
function groupRss(processGroup: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command's closing parenthesis: state, ppid, pgrp, …
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== processGroup) continue;
      const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      total += Number(rss ?? 0) * 1024;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** Samples the groups' memory every 10 ms while `work` runs: each one's growth over its level before, at the peak. */
async function peakGrowth<T>(
  groups: Record<string, number>,
  work: () => Promise<T>,
): Promise<{ result: T; growth: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(groups).map(([name, pgid]) => [name, groupRss(pgid)]));
  const peak = { ...before };
  const timer = setInterval(() => {
    for (const [name, pgid] of Object.entries(groups)) peak[name] = Math.max(peak[name]!, groupRss(pgid));
  }, 10);
  try {
    const result = await work();
    for (const [name, pgid] of Object.entries(groups)) peak[name] = Math.max(peak[name]!, groupRss(pgid));
    return { result, growth: Object.fromEntries(Object.keys(groups).map((name) => [name, peak[name]! - before[name]!])) };
  } finally {
    clearInterval(timer);
  }
}

/** Picks a file of FILE_BYTES made in the page (as the picker would hand it over) and waits until the list shows it. */
async function uploadThroughTab(page: Page, name: string): Promise<number> {
  const started = performance.now();
  await page.getByLabel("Attach files, or drop them here").evaluate(
    (input: HTMLInputElement, { name, size }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(size).fill(42)], name, { type: "application/octet-stream" }));
      input.files = data.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    },
    { name, size: FILE_BYTES },
  );
  await page.getByTestId("file").filter({ hasText: name }).waitFor({ timeout: 60_000 });
  return performance.now() - started;
}

/** Clicks Download and waits until the browser has saved the whole file under its name. */
async function downloadThroughTab(page: Page, name: string): Promise<number> {
  const started = performance.now();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: `Download ${name}` }).click(),
  ]);
  const path = await download.path();
  const elapsed = performance.now() - started;
  if (download.suggestedFilename() !== name) throw new Error(`downloaded as ${download.suggestedFilename()}, not ${name}`);
  const { size } = await stat(path);
  if (size !== FILE_BYTES) throw new Error(`downloaded ${size} bytes of ${FILE_BYTES}`);
  return elapsed;
}

async function run(): Promise<BenchFigure[]> {
  const backendUrl = `http://127.0.0.1:${BASE_PORT}`;
  // The app talks to the backend directly: the proxy would add a process the bytes pass through.
  const stack = await startBenchStack({
    backendPort: BASE_PORT,
    proxyPort: BASE_PORT + 2,
    apps: { app: { port: BASE_PORT + 3, env: { CONVEX_URL: backendUrl } } },
  });
  try {
    const client = new ConvexHttpClient(backendUrl);
    client.setAuth(stack.token(USER));
    const customerId = await client.mutation(api.customers.create, { name: "Files Bench", email: "files@example.com" });
    const context = await stack.signedInContext(stack.apps.app!.url, USER);
    const page = await context.newPage();
    await page.goto(`/customers/${customerId}/files`);
    await page.locator("html[data-hydrated=true]").waitFor();
    const groups = { backend: stack.backendProcessGroup, app: stack.apps.app!.processGroup };

    const uploads: number[] = [];
    const downloads: number[] = [];
    const growth = { upload: { backend: 0, app: 0 }, download: { backend: 0, app: 0 } };
    for (let i = 0; i < RUNS; i++) {
      const name = `bench-${i}.bin`;
      for (const [phase, times, work] of [
        ["upload", uploads, () => uploadThroughTab(page, name)],
        ["download", downloads, () => downloadThroughTab(page, name)],
      ] as const) {
        const measured = await peakGrowth(groups, work);
        times.push(measured.result);
        for (const process of ["backend", "app"] as const) {
          growth[phase][process] = Math.max(growth[phase][process], measured.growth[process]!);
        }
      }
    }
    await context.close();
    // Issue 22: neither holds the whole file more than once. Growth is RSS at its peak over the
    // level before: the chunks received or sent, not yet collected, count too.
    const memory = (process: "backend" | "app", phase: "upload" | "download", what: string) =>
      fig(
        `${what}: peak memory growth during the ${phase} (max of ${RUNS})`,
        growth[phase][process] / MIB,
        "MiB",
        "< 20 MiB (2 copies)",
        growth[phase][process] < 2 * FILE_BYTES,
      );
    return [
      fig(`upload of a 10 MiB file on the Files tab, to listed (p50 of ${RUNS})`, percentile(uploads, 50), "ms"),
      fig(`download of it with Download, to saved (p50 of ${RUNS})`, percentile(downloads, 50), "ms"),
      memory("backend", "upload", "backend"),
      memory("backend", "download", "backend"),
      memory("app", "upload", "app server (no bytes pass it)"),
      memory("app", "download", "app server (no bytes pass it)"),
    ];
  } finally {
    await stack.close();
  }
}

export const filesSuite: BenchSuite = { name: suiteName, run };
