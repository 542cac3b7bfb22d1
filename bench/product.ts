/**
 * The product benchmarks (issue #7), measured side by side in one run against the real built
 * server, the local backend and the local identity provider:
 * - click-to-content after hover, PRELOAD=intent against PRELOAD=off (what the seed's user got);
 * - SSR throughput and p99 of /customers at 20 connections;
 * - SSR time of /customers with 1,000 against 100,000 customers;
 * - live update: mutation to visible in another browser;
 * - the /customers route's JavaScript, gzip.
 */
import { gzipSync } from "node:zlib";
import type { Page } from "@playwright/test";
import autocannon from "autocannon";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import { startBenchStack } from "./stack";
import { type BenchFigure, type BenchSuite, percentile } from "./suite";

const SMALL_USER = "small@bench.local";
const LARGE_USER = "large@bench.local";
// Two runs of NAVIGATIONS + 1 rows must fit on the first page (50 rows).
const NAVIGATIONS = Math.min(24, Number(process.env.BENCH_NAVIGATIONS ?? 24));
const LARGE_COUNT = Number(process.env.BENCH_LARGE_COUNT ?? 100_000);
const suiteName = "product";

const figure = (name: string, value: number, unit: string, target?: string, pass?: boolean): BenchFigure => ({
  suite: suiteName,
  name,
  value,
  unit,
  ...(target === undefined ? {} : { target, pass }),
});

/** Hover a row, give the preload the time a person takes to click, then time click → detail in the DOM. */
async function clickToContent(page: Page, rowIndex: number): Promise<number> {
  const row = page.getByTestId("customer-row").nth(rowIndex);
  await row.hover();
  await page.waitForTimeout(250);
  const elapsed = await row.evaluate(
    (link) =>
      new Promise<number>((resolve) => {
        const start = performance.now();
        const done = () => {
          if (!document.querySelector('[data-testid="customer-detail"]')) return false;
          observer.disconnect();
          resolve(performance.now() - start);
          return true;
        };
        const observer = new MutationObserver(done);
        observer.observe(document.body, { childList: true, subtree: true });
        (link as HTMLElement).click();
        done();
      }),
  );
  await page.goBack();
  await page.getByTestId("customers-table").waitFor();
  return elapsed;
}

/**
 * Delays every Convex WebSocket message by `oneWayMs` in each direction, as if Convex were a
 * network away from the browser (order is kept: equal delays fire in order).
 */
async function emulateConvexDistance(page: Page, oneWayMs: number) {
  if (oneWayMs === 0) return;
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => setTimeout(() => server.send(message), oneWayMs));
    server.onMessage((message) => setTimeout(() => socket.send(message), oneWayMs));
  });
}

/** Click-to-content for `NAVIGATIONS` distinct rows, each hovered first, as a person does. */
async function measureNavigations(page: Page, firstRow: number): Promise<number[]> {
  await page.goto("/customers");
  await page.locator('html[data-hydrated="true"]').waitFor();
  await page.getByTestId("customer-row").nth(firstRow + NAVIGATIONS).waitFor();
  // One unmeasured round first: route code chunks load once per page, in both modes.
  await clickToContent(page, firstRow + NAVIGATIONS);
  const samples: number[] = [];
  for (let i = 0; i < NAVIGATIONS; i++) samples.push(await clickToContent(page, firstRow + i));
  return samples;
}

async function ssrTimes(url: string, cookie: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers: { cookie, "sec-fetch-dest": "document" } });
    await response.text();
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    samples.push(performance.now() - start);
  }
  return samples;
}

export const productSuite: BenchSuite = {
  name: suiteName,
  async run() {
    const stack = await startBenchStack({
      backendPort: 3410,
      apps: { intent: { port: 3411, env: { PRELOAD: "intent" } }, off: { port: 3412, env: { PRELOAD: "off" } } },
    });
    const figures: BenchFigure[] = [];
    try {
      stack.seed(SMALL_USER, 1_000);
      stack.seed(LARGE_USER, LARGE_COUNT);

      // Click-to-content: PRELOAD=intent against PRELOAD=off, first with Convex on this machine,
      // then with Convex a realistic network away (25 ms each way). Fresh rows for each run, so
      // nothing is cached from an earlier one.
      const intentContext = await stack.signedInContext(stack.apps.intent!.url, SMALL_USER);
      const offContext = await stack.signedInContext(stack.apps.off!.url, SMALL_USER);
      const distances = [
        { label: "loopback", oneWayMs: 0 },
        { label: "50 ms RTT", oneWayMs: 25 },
      ];
      for (const [index, { label, oneWayMs }] of distances.entries()) {
        const firstRow = index * (NAVIGATIONS + 1);
        const runs: Record<"intent" | "off", number[]> = { intent: [], off: [] };
        for (const [mode, context] of [["intent", intentContext], ["off", offContext]] as const) {
          const page = await context.newPage();
          await emulateConvexDistance(page, oneWayMs);
          runs[mode] = await measureNavigations(page, firstRow);
          await page.close();
        }
        const intent = percentile(runs.intent, 50);
        const off = percentile(runs.off, 50);
        figures.push(
          figure(`click-to-content, intent, ${label} (median)`, intent, "ms", "< 16 ms", intent < 16),
          figure(`click-to-content, intent, ${label} (p90)`, percentile(runs.intent, 90), "ms"),
          figure(`click-to-content, off, ${label} (median)`, off, "ms"),
          figure(`click-to-content, off, ${label} (p90)`, percentile(runs.off, 90), "ms"),
          figure(`click-to-content speed-up off/intent, ${label}`, off / intent, "x", ">= 5x", off / intent >= 5),
        );
      }

      // SSR load on /customers as a signed-in user.
      const cookie = (await intentContext.cookies())
        .map((c) => `${c.name}=${c.value}`)
        .join("; ");
      const customersUrl = `${stack.apps.intent!.url}/customers`;
      await ssrTimes(customersUrl, cookie, 20); // warm-up
      const load = await autocannon({
        url: customersUrl,
        connections: 20,
        duration: 10,
        headers: { cookie, "sec-fetch-dest": "document" },
      });
      if (load.non2xx > 0 || load.errors > 0) {
        throw new Error(`SSR load: ${load.non2xx} non-2xx answers, ${load.errors} errors`);
      }
      figures.push(
        figure("SSR /customers throughput, 20 connections", load.requests.average, "req/s"),
        figure("SSR /customers p99 latency, 20 connections", load.latency.p99, "ms", "< 50 ms", load.latency.p99 < 50),
      );

      // First paint as data grows: the same page for 1,000 and for 100,000 customers.
      const largeContext = await stack.signedInContext(stack.apps.intent!.url, LARGE_USER);
      const largeCookie = (await largeContext.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
      await ssrTimes(customersUrl, largeCookie, 10);
      const smallSsr = percentile(await ssrTimes(customersUrl, cookie, 100), 50);
      const largeSsr = percentile(await ssrTimes(customersUrl, largeCookie, 100), 50);
      figures.push(
        figure("SSR /customers median, 1,000 customers", smallSsr, "ms"),
        figure(`SSR /customers median, ${LARGE_COUNT.toLocaleString("en")} customers`, largeSsr, "ms"),
        figure("SSR time ratio, large / small", largeSsr / smallSsr, "x", "<= 1.2x", largeSsr / smallSsr <= 1.2),
      );

      // Live update: a mutation from another client, until the row shows in an open table.
      const watcher = await intentContext.newPage();
      await watcher.goto("/customers");
      await watcher.getByTestId("customers-table").waitFor();
      await watcher.locator('html[data-hydrated="true"]').waitFor();
      const client = new ConvexHttpClient(stack.backendUrl);
      client.setAuth(stack.token(SMALL_USER));
      const liveSamples: number[] = [];
      for (let i = 0; i < 30; i++) {
        const name = `Live Update ${i} ${Date.now()}`;
        const seen = watcher.evaluate(
          (expected) =>
            new Promise<number>((resolve) => {
              const check = () => {
                const rows = document.querySelectorAll('[data-testid="customer-row"]');
                for (const row of rows) {
                  if (row.textContent?.includes(expected)) {
                    observer.disconnect();
                    resolve(performance.timeOrigin + performance.now());
                    return;
                  }
                }
              };
              const observer = new MutationObserver(check);
              observer.observe(document.body, { childList: true, subtree: true, characterData: true });
            }),
          name,
        );
        await watcher.waitForTimeout(20);
        const sent = performance.timeOrigin + performance.now();
        await client.mutation(api.customers.create, { name, email: `live${i}@example.com` });
        liveSamples.push((await seen) - sent);
      }
      const liveP50 = percentile(liveSamples, 50);
      figures.push(
        figure("live update, mutation to visible (p50)", liveP50, "ms", "< 50 ms", liveP50 < 50),
        figure("live update, mutation to visible (p99)", percentile(liveSamples, 99), "ms"),
      );

      // The JavaScript a visit to /customers loads, gzip-compressed as served.
      const scripts = new Set<string>();
      const sizer = await intentContext.newPage();
      sizer.on("response", (response) => {
        if (response.request().resourceType() === "script") scripts.add(response.url());
      });
      await sizer.goto("/customers");
      await sizer.locator('html[data-hydrated="true"]').waitFor();
      await sizer.waitForLoadState("networkidle");
      let gzipBytes = 0;
      for (const url of scripts) {
        gzipBytes += gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer()), { level: 9 }).length;
      }
      const kb = gzipBytes / 1000;
      figures.push(figure(`/customers JavaScript, gzip (${scripts.size} files)`, kb, "kB", "< 150 kB", kb < 150));
    } finally {
      await stack.close();
    }
    return figures;
  },
};
