import { createBrowserHistory, type RouterHistory } from "@tanstack/react-router";
import { afterPaint, flushAfterPaint } from "./after-paint";

type HistoryWrite = (state: unknown, unused: string, url?: string | URL | null) => void;

/**
 * The router's browser history, with one change: the address bar follows an in-app navigation
 * once the new page is painted, not before. Chromium's `history.pushState` holds the page's main
 * thread until the browser has taken the new entry (about a millisecond; far longer on a busy
 * machine), which every click used to pay between the input and the new page (ADR 007). The
 * router's own location changes at once; `window.history` and `window.location` follow within
 * a frame. Reading `history.state` or `length`, going back, forward or away, first writes what
 * is pending, so entries keep their order. Scripts that call `window.history.pushState` or
 * `replaceState` themselves still write at once, and the router still follows them.
 */
export function createUrlAfterPaintHistory(): RouterHistory {
  const real = window.history;
  const pushNow: HistoryWrite = real.pushState.bind(real);
  const replaceNow: HistoryWrite = real.replaceState.bind(real);
  let immediate = false;

  const writer =
    (now: HistoryWrite): HistoryWrite =>
    (state, unused, url) => {
      if (!immediate) return afterPaint(() => now(state, unused, url));
      flushAfterPaint();
      now(state, unused, url);
    };

  // What the router sees as `window.history`. createBrowserHistory keeps `pushState` and
  // `replaceState` as it finds them here as its writers, and replaces them with wrappers that
  // also tell the router of writes made by others.
  const facade = {
    get state(): unknown {
      flushAfterPaint();
      return real.state as unknown;
    },
    get length() {
      flushAfterPaint();
      return real.length;
    },
    pushState: writer(pushNow),
    replaceState: writer(replaceNow),
    back() {
      flushAfterPaint();
      real.back();
    },
    forward() {
      flushAfterPaint();
      real.forward();
    },
    go(delta?: number) {
      flushAfterPaint();
      real.go(delta);
    },
  };
  const win = new Proxy(window, {
    get(target, property) {
      if (property === "history") return facade;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const history = createBrowserHistory({ window: win });

  // Writes by other scripts: at once, through the router's wrappers, which then read the new URL.
  for (const method of ["pushState", "replaceState"] as const) {
    real[method] = (state: unknown, unused: string, url?: string | URL | null) => {
      immediate = true;
      try {
        facade[method](state, unused, url);
      } finally {
        immediate = false;
      }
    };
  }
  window.addEventListener("pagehide", flushAfterPaint);
  return history;
}
