/**
 * `npm run bench -- tabs` (issue 22): a customer's page and its tabs, in one run against the built
 * server and the local backend behind the delay proxy (bench/stack.ts):
 * - switching tabs, hovered then clicked, warm, Convex 50 ms away: PRELOAD=intent against
 *   PRELOAD=off, from the click until the tab's content (`customer-<tab>`) is in the DOM, for
 *   every tab the page shows other than the one open (a customer's tab not yet seen, its data not
 *   yet loaded: what the preload is for);
 * - the server render of /customers/$customerId/activity at one connection, 50 ms round trip
 *   against 0 ms (at most one round trip slower: its queries asked at once);
 * - a note added in one browser until it shows in a teammate's open Notes tab, on loopback.
 */
import type { BrowserContext, Page } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import {
  backToList,
  convexRequestsPerRender,
  cookieHeader,
  hoverClick,
  hoverClickUntil,
  parallelRequestTimes,
  ssrTimes,
  ssrTimesAfterPause,
} from "./gestures";
import { startPreloadComparisonStack } from "./stack";
import { type BenchFigure, type BenchSuite, percentile, type PreloadMode, suiteFigures } from "./suite";

const suiteName = "tabs";
const ADMIN = "tabs-admin@bench.local";
const TEAMMATE = "tabs-teammate@bench.local";
/** Customers opened per preload mode; each gives one sample per tab switched to (the first is a warm-up). */
const CUSTOMERS = Number(process.env.BENCH_TAB_CUSTOMERS ?? 13);
const NOTES_ADDED = Number(process.env.BENCH_NOTES ?? 30);
/** Server renders of the Activity tab per round trip setting. */
const SSR_RENDERS = Number(process.env.BENCH_SSR_RENDERS ?? 100);
/** First of the ports the suite uses: backend (and its site port), proxy, then the app servers. */
const BASE_PORT = Number(process.env.BENCH_PORT ?? 3710);

const { figure, compare } = suiteFigures(suiteName);

/**
 * Warm tab switching in one page: from the team's list, open a customer, then hover and click
 * each of its other tabs in turn, timing each until its content is in the DOM; Back to the list
 * (tabs replace each other in history) and the next customer. The first customer is a warm-up
 * (route code loads once per page).
 */
async function tabSwitches(context: BrowserContext, listPath: string): Promise<number[]> {
  const page = await context.newPage();
  await page.goto(listPath);
  await page.locator('html[data-hydrated="true"]').waitFor();
  const samples: number[] = [];
  for (let i = 0; i <= CUSTOMERS; i++) {
    await page.getByTestId("customer-row").nth(i).waitFor();
    await hoverClick(page, page.getByTestId("customer-row").nth(i));
    for (const name of await otherTabs(page)) {
      const content = `[data-testid="customer-${name}"]`;
      const elapsed = await hoverClickUntil(content)(page, page.getByTestId(`customer-tab-${name}`));
      if (i > 0) samples.push(elapsed);
    }
    await backToList(page);
  }
  await page.close();
  return samples;
}

/** The names of the tabs shown, other than the selected one, in order (`customer-tab-<name>`). */
async function otherTabs(page: Page): Promise<string[]> {
  return await page
    .getByRole("tab", { selected: false })
    .evaluateAll((tabs) => tabs.map((tab) => tab.getAttribute("data-testid")!.replace(/^customer-tab-/, "")));
}

/**
 * Both browsers on the same customer's Notes tab; `writer` adds a note through the form,
 * `NOTES_ADDED` times. A sample: from the click on "Add note" until the note is in the reader's DOM.
 */
async function noteLatencies(writer: Page, reader: Page, path: string): Promise<number[]> {
  for (const page of [writer, reader]) {
    await page.goto(path);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByTestId("customer-notes").waitFor();
  }
  const samples: number[] = [];
  for (let i = 0; i < NOTES_ADDED; i++) {
    const body = `Bench note ${i} ${Date.now()}`;
    const seen = reader.evaluate(
      (expected) =>
        new Promise<number>((resolve) => {
          const observer = new MutationObserver(() => {
            for (const note of document.querySelectorAll('[data-testid="note"]')) {
              if (!note.textContent?.includes(expected)) continue;
              observer.disconnect();
              resolve(performance.timeOrigin + performance.now());
              return;
            }
          });
          observer.observe(document.body, { childList: true, subtree: true, characterData: true });
        }),
      body,
    );
    await writer.getByLabel("New note").fill(body);
    const clicked = writer.evaluate(
      () =>
        new Promise<number>((resolve) =>
          window.addEventListener("click", () => resolve(performance.timeOrigin + performance.now()), {
            capture: true,
            once: true,
          }),
        ),
    );
    // Let the reader's observer be in place before the note can arrive.
    await reader.waitForTimeout(20);
    await writer.getByRole("button", { name: "Add note" }).click();
    samples.push((await seen) - (await clicked));
    // Saved (not the optimistic copy) before the next one.
    await writer.locator('[data-testid="note"]:not([data-unsaved])').filter({ hasText: body }).waitFor();
  }
  return samples;
}

export const tabsSuite: BenchSuite = {
  name: suiteName,
  async run() {
    const stack = await startPreloadComparisonStack(BASE_PORT);
    const figures: BenchFigure[] = [];
    try {
      const admin = new ConvexHttpClient(stack.backendUrl);
      admin.setAuth(stack.token(ADMIN));
      const teammate = new ConvexHttpClient(stack.backendUrl);
      teammate.setAuth(stack.token(TEAMMATE));
      const workspaceId: Id<"workspaces"> = await admin.mutation(api.workspaces.create, { name: "Bench Tabs Team" });
      const invitationId = await admin.mutation(api.workspaces.invite, { workspaceId, email: TEAMMATE, role: "member" });
      await teammate.mutation(api.workspaces.acceptInvitation, { invitationId });
      // Each customer with a history and notes for its tabs to show.
      const customerIds = await admin.mutation(api.customers.createMany, {
        workspaceId,
        customers: Array.from({ length: CUSTOMERS + 1 }, (_, i) => ({ name: `Tab Customer ${i}`, email: `tab${i}@example.com` })),
      });
      for (const customerId of customerIds) {
        await admin.mutation(api.customers.update, { workspaceId, id: customerId, status: "active" });
        for (let n = 0; n < 3; n++) {
          await teammate.mutation(api.notes.create, { workspaceId, customerId, body: `Note ${n}\nabout this customer.` });
        }
      }
      const [personalId] = await admin.mutation(api.customers.createMany, {
        customers: [{ name: "Activity Render", email: "activity@example.com" }],
      });
      await admin.mutation(api.customers.update, { id: personalId!, status: "active", company: "Rendered Ltd" });

      const urls: Record<PreloadMode, string> = { intent: stack.apps.intent!.url, off: stack.apps.off!.url };
      const signedIn: Record<PreloadMode, BrowserContext> = {
        intent: await stack.signedInContext(urls.intent, ADMIN),
        off: await stack.signedInContext(urls.off, ADMIN),
      };

      // Tab switching at 50 ms round trip, PRELOAD=intent against off.
      stack.proxy.oneWayMs = 25;
      const listPath = `/customers?workspace=${workspaceId}`;
      const switches = {
        intent: await tabSwitches(signedIn.intent, listPath),
        off: await tabSwitches(signedIn.off, listPath),
      };
      figures.push(
        ...compare("tab switch, hovered click to the tab's content, warm, 50 ms RTT", switches, { median: 16, speedUp: 5 }),
      );

      // The Activity tab's server render, 0 ms against 50 ms round trip, alternating request by
      // request so that a busy machine's drift falls on both alike. One round trip as the proxy
      // really adds it to this render: as many /version requests (Convex doing no work) at once as
      // the render sends queries at once. Each render starts after the same idle pause.
      const cookie = await cookieHeader(signedIn.intent);
      const activityUrl = `${urls.intent}/customers/${personalId}/activity`;
      const samples: Record<number, { proxy: number[]; render: number[] }> = {
        0: { proxy: [], render: [] },
        25: { proxy: [], render: [] },
      };
      await ssrTimes(activityUrl, cookie, 10); // warm-up
      const queries = await convexRequestsPerRender(stack.proxy, activityUrl, cookie);
      for (let i = 0; i < SSR_RENDERS; i++) {
        for (const oneWayMs of [0, 25] as const) {
          stack.proxy.oneWayMs = oneWayMs;
          samples[oneWayMs]!.proxy.push(...(await parallelRequestTimes(`${stack.proxy.url}/version`, queries, 1)));
          samples[oneWayMs]!.render.push(...(await ssrTimesAfterPause(activityUrl, cookie, 1)));
        }
      }
      const ssr = (oneWayMs: 0 | 25) => ({
        proxy: percentile(samples[oneWayMs]!.proxy, 50),
        render: percentile(samples[oneWayMs]!.render, 50),
      });
      const roundTrip = ssr(25).proxy - ssr(0).proxy;
      const limit = roundTrip + ssr(0).render;
      figures.push(
        figure("SSR /customers/$customerId/activity p50, 1 connection, 0 ms RTT", ssr(0).render, "ms"),
        figure("Convex requests sent at once by one render", queries, "requests"),
        figure(`delay proxy round trip as measured, ${queries} requests at once, 50 ms RTT`, roundTrip, "ms"),
        figure(
          "SSR /customers/$customerId/activity p50, 1 connection, 50 ms RTT",
          ssr(25).render,
          "ms",
          `<= ${limit.toFixed(1)} ms (one RTT + the 0 ms render)`,
          ssr(25).render <= limit,
        ),
      );

      // A note from one browser to a teammate's open Notes tab, on loopback.
      stack.proxy.oneWayMs = 0;
      const writer = await (await stack.signedInContext(urls.intent, TEAMMATE)).newPage();
      const reader = await signedIn.intent.newPage();
      const notes = await noteLatencies(writer, reader, `/customers/${customerIds[0]}/notes?workspace=${workspaceId}`);
      const notesP50 = percentile(notes, 50);
      figures.push(
        figure("note added to shown in a teammate's open Notes tab, loopback (p50)", notesP50, "ms", "< 50 ms", notesP50 < 50),
        figure("note added to shown in a teammate's open Notes tab, loopback (p99)", percentile(notes, 99), "ms"),
      );
    } finally {
      await stack.close();
    }
    return figures;
  },
};
