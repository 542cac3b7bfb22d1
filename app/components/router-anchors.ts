import { useRouter } from "@tanstack/react-router";
import { useEffect } from "react";

/**
 * Marks a plain `<a href>` the router handles as a `<Link>` would (see `useRouterAnchors`). For
 * long lists: a `<Link>` builds its location on every render and again whenever the address
 * changes, ~30–60 µs each, so 50 row links cost a click 2–3 ms and a server render as much
 * (docs/decisions/007). A plain anchor costs nothing until it is used.
 */
export const ROUTER_ANCHOR = { "data-router-anchor": "" } as const;

/**
 * In-app navigation for the page's plain anchors, by delegation from the document:
 * - Keyboard users get the preload when any in-app link takes focus, not after the router's intent
 *   delay: Tab lands on a link on purpose, while the delay exists for links a pointer only crosses.
 * - Anchors marked with `ROUTER_ANCHOR` also preload on hover (after `defaultPreloadDelay`, cancelled
 *   when the pointer leaves first) and at touch, and a plain click navigates in the app: what
 *   `<Link>` does, without a component per anchor.
 * Follows the router's preload setting, so `PRELOAD=off` preloads nothing.
 */
export function useRouterAnchors() {
  const router = useRouter();
  const preloadEnabled = router.options.defaultPreload === "intent";

  useEffect(() => {
    const preload = (href: string) => {
      // `href` is parsed and used in place of `to` (which the types require).
      router.preloadRoute({ to: ".", href }).catch(() => {
        // The click still navigates, and the page shows its own error: nothing to tell here.
      });
    };
    // The anchor under the pointer, and its preload waiting for the intent delay.
    let hovered: HTMLAnchorElement | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cancelPending = () => {
      clearTimeout(timer);
      timer = undefined;
    };

    const onFocusIn = (event: FocusEvent) => {
      const anchor = inAppAnchor(event.target, "a[href]");
      if (anchor && preloadEnabled) preload(anchorHref(anchor));
    };
    const onMouseOver = (event: MouseEvent) => {
      const anchor = inAppAnchor(event.target, "a[data-router-anchor]");
      if (anchor === hovered) return;
      cancelPending();
      hovered = anchor;
      if (!anchor || !preloadEnabled) return;
      timer = setTimeout(() => {
        timer = undefined;
        preload(anchorHref(anchor));
      }, router.options.defaultPreloadDelay ?? 50);
    };
    const onMouseOut = (event: MouseEvent) => {
      if (hovered && !(event.relatedTarget instanceof Node && hovered.contains(event.relatedTarget))) {
        cancelPending();
        hovered = null;
      }
    };
    const onTouchStart = (event: TouchEvent) => {
      const anchor = inAppAnchor(event.target, "a[data-router-anchor]");
      if (anchor && preloadEnabled) preload(anchorHref(anchor));
    };
    const onClick = (event: MouseEvent) => {
      const anchor = inAppAnchor(event.target, "a[data-router-anchor]");
      const plainClick = event.button === 0 && !(event.metaKey || event.altKey || event.ctrlKey || event.shiftKey);
      if (!anchor || !plainClick || event.defaultPrevented) return;
      event.preventDefault();
      cancelPending();
      void router.navigate({ to: ".", href: anchorHref(anchor) });
    };

    document.addEventListener("focusin", onFocusIn);
    document.addEventListener("mouseover", onMouseOver);
    document.addEventListener("mouseout", onMouseOut);
    document.addEventListener("touchstart", onTouchStart, { passive: true });
    document.addEventListener("click", onClick);
    return () => {
      cancelPending();
      document.removeEventListener("focusin", onFocusIn);
      document.removeEventListener("mouseover", onMouseOver);
      document.removeEventListener("mouseout", onMouseOut);
      document.removeEventListener("touchstart", onTouchStart);
      document.removeEventListener("click", onClick);
    };
  }, [router, preloadEnabled]);
}

function anchorHref(anchor: HTMLAnchorElement): string {
  return anchor.getAttribute("href") ?? "";
}

/** The anchor around an event's target that the router navigates (same origin, same tab, not a download). */
function inAppAnchor(target: EventTarget | null, selector: string): HTMLAnchorElement | null {
  const anchor = target instanceof Element ? target.closest(selector) : null;
  if (!(anchor instanceof HTMLAnchorElement)) return null;
  const href = anchorHref(anchor);
  const inApp = href.startsWith("/") && !href.startsWith("//") && (!anchor.target || anchor.target === "_self");
  return inApp && !anchor.hasAttribute("download") ? anchor : null;
}
