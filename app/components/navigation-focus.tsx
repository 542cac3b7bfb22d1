import { useRouter } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { afterPaint } from "../lib/after-paint";

/**
 * What a full page load gives assistive technology, for client-side navigations too: focus
 * moves to the new page's main heading and its title is announced. Going back returns focus to
 * the link that led away from that page (the row you opened), so keyboard users keep their place.
 * Opening another tab of the same page (a `role="tab"` link shown on it) moves focus to the tab's
 * content, its `role="tabpanel"`, rather than back up to the heading above the tabs.
 */
export function NavigationFocus() {
  const router = useRouter();
  const [announcement, setAnnouncement] = useState("");

  useEffect(() => {
    /** Per history entry: the href of the link that was focused when we left it. */
    const leftFrom = new Map<string, string>();
    /** Whether the navigation under way opens a tab shown on the page it leaves. */
    let toTab = false;

    const unsubscribeBefore = router.subscribe("onBeforeNavigate", ({ fromLocation, toLocation }) => {
      toTab = isShownTab(toLocation.pathname);
      const active = document.activeElement;
      const key = fromLocation?.state.__TSR_key;
      if (key && active instanceof HTMLAnchorElement && active.closest("main")) {
        leftFrom.set(key, active.getAttribute("href") ?? "");
      }
    });

    const unsubscribeRendered = router.subscribe("onRendered", ({ fromLocation, toLocation, pathChanged }) => {
      // The first render is a page load (the browser handles it); a search change keeps focus
      // in the filters, where the user is typing.
      if (!fromLocation || !pathChanged) return;
      // After the commit, so the heading is the new page's.
      requestAnimationFrame(() => {
        const returnHref = toLocation.state.__TSR_key ? leftFrom.get(toLocation.state.__TSR_key) : undefined;
        const link = returnHref ? findLink(returnHref) : null;
        const target =
          link ??
          (toTab ? firstShown<HTMLElement>("main [role=tabpanel]") : null) ??
          firstShown<HTMLElement>("main h1") ??
          document.querySelector<HTMLElement>("main");
        if (target) {
          if (!link && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
          target.focus();
        }
        // Once the title is the new page's (it is set after the frame: after-paint.ts).
        afterPaint(() => setAnnouncement(document.title));
      });
    });

    return () => {
      unsubscribeBefore();
      unsubscribeRendered();
    };
  }, [router]);

  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="route-announcer">
      {announcement}
    </div>
  );
}

function findLink(href: string): HTMLAnchorElement | null {
  for (const anchor of document.querySelectorAll<HTMLAnchorElement>("main a[href]")) {
    if (anchor.getAttribute("href") === href && isShown(anchor)) return anchor;
  }
  return null;
}

/** A tab link to `pathname` on the page shown (not on one kept hidden behind it). */
function isShownTab(pathname: string): boolean {
  for (const tab of document.querySelectorAll<HTMLAnchorElement>("main a[role=tab][href]")) {
    if (new URL(tab.href).pathname === pathname && isShown(tab)) return true;
  }
  return false;
}

/** A page kept hidden behind the one shown (the list behind a customer) has no boxes. */
function isShown(element: Element): boolean {
  return element.getClientRects().length > 0;
}

function firstShown<T extends Element>(selector: string): T | null {
  for (const element of document.querySelectorAll<T>(selector)) if (isShown(element)) return element;
  return null;
}

/**
 * Escape leaves a page opened from a list, as Back would (focus then returns to the row). Not
 * while typing in a field, answering a dialog or with a popover open (the phone's header menu),
 * where Escape means something else.
 */
export function useEscapeGoesBack(fallback: () => void) {
  const router = useRouter();
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.key !== "Escape" || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      // The browser closes an open popover after this event (its close request comes second).
      if (document.querySelector(":popover-open")) return;
      const target = event.target;
      if (
        target instanceof HTMLElement &&
        (target.isContentEditable || target.closest("input, textarea, select, [role=alertdialog], [role=dialog]"))
      ) {
        return;
      }
      event.preventDefault();
      if (router.history.canGoBack()) router.history.back();
      else fallback();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [router, fallback]);
}
