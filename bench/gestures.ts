/**
 * How the benchmarks click, tap and type, and how they time it: from the input event (seen first,
 * in the capture phase) until the customer detail is in the DOM. Shared by the product suite
 * and the click A/B suite.
 */
import type { BrowserContext, Locator, Page } from "@playwright/test";
import type { DelayProxy } from "../tests/support/delay-proxy";

/** What a person takes between pointing at a link and clicking it. */
export const HOVER_MS = 250;
/** A realistic tap: finger down this long before it lifts. */
export const PRESS_MS = 80;
/** A quick keyboard user: Enter this long after Tab focused the link. */
export const KEY_DWELL_MS = 100;
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const CUSTOMER_DETAIL = '[data-testid="customer-detail"]';

/**
 * Arms a timer in the page: from the next `startEvent` (seen first, in the capture phase) until
 * `content` (by default the customer detail) is in the DOM. Read it with `contentTime`;
 * `frameTime` reads the time to the start of the frame that first shows it (its
 * requestAnimationFrame callback: anything the page does before that frame delays what the user sees).
 */
async function armContentTimer(page: Page, startEvent: "click" | "touchend" | "keydown", content = CUSTOMER_DETAIL) {
  await page.evaluate(
    ([eventName, selector]) => {
      const w = window as unknown as { __contentTime: Promise<number>; __frameTime: Promise<number> };
      let resolveFrame: (elapsed: number) => void;
      w.__frameTime = new Promise<number>((resolve) => (resolveFrame = resolve));
      w.__contentTime = new Promise<number>((resolve) => {
        let start: number | undefined;
        const done = () => {
          if (start === undefined || !document.querySelector(selector)) return;
          observer.disconnect();
          resolve(performance.now() - start);
          const from = start;
          requestAnimationFrame(() => resolveFrame(performance.now() - from));
        };
        const observer = new MutationObserver(done);
        window.addEventListener(
          eventName,
          () => {
            start = performance.now();
            observer.observe(document.body, { childList: true, subtree: true });
            queueMicrotask(done);
          },
          { capture: true, once: true },
        );
      });
    },
    [startEvent, content] as const,
  );
}

async function contentTime(page: Page): Promise<number> {
  return await page.evaluate(() => (window as unknown as { __contentTime: Promise<number> }).__contentTime);
}

async function frameTime(page: Page): Promise<number> {
  return await page.evaluate(() => (window as unknown as { __frameTime: Promise<number> }).__frameTime);
}

export type Gesture = (page: Page, row: Locator) => Promise<number>;

/**
 * Hover, give the preload the time a person takes to click, click; `read` reads the timer, which
 * runs until `content` is in the DOM.
 */
function hoverClickThen(read: (page: Page) => Promise<number>, content = CUSTOMER_DETAIL): Gesture {
  return async (page, row) => {
    await row.hover();
    await sleep(HOVER_MS);
    await armContentTimer(page, "click", content);
    await row.click();
    return await read(page);
  };
}

/** Hover, wait, click: until the detail is in the DOM. */
export const hoverClick: Gesture = hoverClickThen(contentTime);

/** Hover, wait, click a link: until `content` (a selector: what the new page or tab shows) is in the DOM. */
export const hoverClickUntil = (content: string): Gesture => hoverClickThen(contentTime, content);

interface TraceEvent {
  name: string;
  ph: string;
  tid: number;
  pid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { data?: { type?: string } };
}

/**
 * Hover, wait, click as `hoverClick` does, but returns the page's main-thread CPU time for the
 * click's event dispatch (from Chromium's trace: the navigation, its render and commit all run
 * inside it, in the handler and its microtasks). Unlike wall time, a busy machine barely moves it.
 */
export const hoverClickThreadTime: Gesture = async (page, row) => {
  await row.hover();
  await sleep(HOVER_MS);
  await armContentTimer(page, "click");
  const browser = page.context().browser();
  if (!browser) throw new Error("hoverClickThreadTime: no browser to trace");
  await browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline"] });
  await row.click();
  await contentTime(page);
  const trace = JSON.parse((await browser.stopTracing()).toString("utf8")) as { traceEvents: TraceEvent[] };
  const clicks = trace.traceEvents.filter((e) => e.name === "EventDispatch" && e.ph === "X" && e.args?.data?.type === "click");
  const click = clicks[0];
  if (clicks.length !== 1 || click?.tdur === undefined)
    throw new Error(`hoverClickThreadTime: ${clicks.length} click dispatches traced`);
  return click.tdur / 1000;
};

/** As `hoverClick`, to the frame that first shows the detail. */
export const hoverClickFrame: Gesture = hoverClickThen(frameTime);

/** A finger on the link for PRESS_MS, then lifted; timed from the lift (when the click fires). */
export const tap: Gesture = async (page, row) => {
  await row.scrollIntoViewIfNeeded();
  const box = await row.boundingBox();
  if (!box) throw new Error("tap: the row has no box");
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const cdp = await page.context().newCDPSession(page);
  await armContentTimer(page, "touchend");
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [point] });
  await sleep(PRESS_MS);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  const elapsed = await contentTime(page);
  await cdp.detach();
  return elapsed;
};

/** Keyboard focus on the link, Enter KEY_DWELL_MS later; timed from the Enter. */
export const focusEnter: Gesture = async (page, row) => {
  await row.focus();
  await sleep(KEY_DWELL_MS);
  await armContentTimer(page, "keydown");
  await page.keyboard.press("Enter");
  return await contentTime(page);
};

export async function openList(page: Page, rowsNeeded: number) {
  await page.goto("/customers");
  await page.locator('html[data-hydrated="true"]').waitFor();
  await page
    .getByTestId("customer-row")
    .nth(rowsNeeded - 1)
    .waitFor();
}

/**
 * Warm: one page, back to the list between navigations, a distinct row each time. One
 * unmeasured round first: route code chunks load once per page, in both modes.
 */
export async function warmNavigations(context: BrowserContext, gesture: Gesture, navigations: number): Promise<number[]> {
  const page = await context.newPage();
  await openList(page, navigations + 1);
  const samples: number[] = [];
  for (let i = 0; i <= navigations; i++) {
    const elapsed = await gesture(page, page.getByTestId("customer-row").nth(i));
    if (i > 0) samples.push(elapsed);
    await backToList(page);
  }
  await page.close();
  return samples;
}

/** The browser's Back from a page opened from the list, until the list shows again. */
export async function backToList(page: Page) {
  // The browser's Back acts on the address bar, which follows the page within a frame.
  await page.waitForFunction(() => location.pathname !== "/customers");
  await page.goBack();
  await page.getByTestId("customers-table").waitFor();
}

/**
 * Records when the page hydrated (the root sets data-hydrated) as `__hydratedAt`, from navigation
 * start. Init scripts run before the document has an element, so it watches the document.
 */
const HYDRATION_TIMER = `new MutationObserver((_, observer) => {
  if (document.documentElement?.dataset.hydrated !== "true") return;
  window.__hydratedAt = performance.now();
  observer.disconnect();
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });`;

/**
 * Fresh: a new context (empty caches) per navigation, as a new visitor's first click. When
 * `hydration` is given, each page's time from navigation start to hydrated goes there.
 */
export async function freshNavigations(
  newContext: () => Promise<BrowserContext>,
  gesture: Gesture,
  clicks: number,
  hydration?: number[],
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < clicks; i++) {
    const context = await newContext();
    await context.addInitScript(HYDRATION_TIMER);
    const page = await context.newPage();
    await openList(page, i + 1);
    if (hydration) {
      const hydratedAt = await page.evaluate(() => (window as unknown as { __hydratedAt?: number }).__hydratedAt);
      if (hydratedAt === undefined) throw new Error("freshNavigations: the page hydrated unseen by the hydration timer");
      hydration.push(hydratedAt);
    }
    samples.push(await gesture(page, page.getByTestId("customer-row").nth(i)));
    await context.close();
  }
  return samples;
}

/** Times `count` GETs of `url`, one after another. */
export async function requestTimes(url: string, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    samples.push(performance.now() - start);
  }
  return samples;
}

/**
 * Times `count` round trips of `parallel` GETs of `url` sent at once (each sample: until the last
 * answer). A server render that asks Convex two queries at once waits for the later of two answers,
 * and the delay proxy delays each message on its own timer: one request's round trip would
 * understate what the proxy adds to two.
 */
export async function parallelRequestTimes(url: string, parallel: number, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await Promise.all(Array.from({ length: parallel }, () => requestTimes(url, 1)));
    samples.push(performance.now() - start);
  }
  return samples;
}

/**
 * The Convex requests one server render of `url` makes, from the delay proxy's log. Throws if one
 * was sent after another's answer came back: the render then took more than one round trip.
 */
export async function convexRequestsPerRender(proxy: DelayProxy, url: string, cookie: string): Promise<number> {
  const from = proxy.requests.length;
  await ssrTimes(url, cookie, 1);
  const made = proxy.requests.slice(from).filter((r) => r.path.startsWith("/api/"));
  if (made.length === 0) throw new Error(`a server render of ${url} asked Convex nothing: is the app behind the proxy?`);
  const firstAnswer = Math.min(...made.map((r) => r.answeredAt ?? Infinity));
  if (made.some((r) => r.receivedAt > firstAnswer)) {
    throw new Error(`a server render of ${url} asked Convex after an answer: more than one round trip`);
  }
  return made.length;
}

/** The `cookie` request header of a signed-in browser context, for requests made outside it. */
export async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
}

/** Server renders of `url` as the signed-in user of `cookie`, one after another. */
export const ssrTimes = (url: string, cookie: string, count: number) =>
  requestTimes(url, count, { cookie, "sec-fetch-dest": "document" });

/** How long the app server is left idle before each render of `ssrTimesAfterPause`. */
const IDLE_BEFORE_RENDER_MS = 60;

/**
 * Server renders of `url`, each after the app server has been idle for a while. A render that
 * waits a round trip for Convex finishes in a process that sat idle through it, which costs this
 * VM about a millisecond (measured: renders at 0 ms RTT started after a 50 ms pause were 0.8 ms
 * slower than back to back). Renders compared across round trips start from the same idle, so
 * their difference is the round trip and not when the bench sent them.
 */
export async function ssrTimesAfterPause(url: string, cookie: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(IDLE_BEFORE_RENDER_MS);
    samples.push(...(await ssrTimes(url, cookie, 1)));
  }
  return samples;
}
