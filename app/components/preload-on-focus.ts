import { useRouter } from "@tanstack/react-router";
import { useEffect } from "react";

/**
 * Keyboard users get the preload when a link takes focus, not after the router's intent delay:
 * Tab lands on a link on purpose, while the delay exists for links a pointer only crosses (Link
 * preloads on hover and on focus after `defaultPreloadDelay`). Follows the router's preload
 * setting, so `PRELOAD=off` preloads nothing.
 */
export function usePreloadOnFocus() {
  const router = useRouter();
  const enabled = router.options.defaultPreload === "intent";

  useEffect(() => {
    if (!enabled) return;
    const onFocusIn = (event: FocusEvent) => {
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(link instanceof HTMLAnchorElement) || !isInAppLink(link)) return;
      // `href` is parsed and used in place of `to` (which the types require).
      router.preloadRoute({ to: ".", href: link.getAttribute("href") ?? "" }).catch(() => {
        // The click still navigates, and the page shows its own error: nothing to tell here.
      });
    };
    document.addEventListener("focusin", onFocusIn);
    return () => document.removeEventListener("focusin", onFocusIn);
  }, [router, enabled]);
}

/** A link the router navigates (same origin, same tab, not a download). */
function isInAppLink(link: HTMLAnchorElement): boolean {
  const href = link.getAttribute("href") ?? "";
  return (
    href.startsWith("/") && !href.startsWith("//") && (!link.target || link.target === "_self") && !link.hasAttribute("download")
  );
}
