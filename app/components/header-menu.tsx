import { useRouter } from "@tanstack/react-router";
import { type ReactNode, useEffect, useRef } from "react";

const MENU_ID = "header-menu";

/**
 * The header's links and user menu: inline on a wide screen; on a narrow one (app.css) behind a
 * Menu button, as an HTML popover. The browser opens and closes it without JavaScript (Escape
 * and a tap outside close it, focus goes back to the button), and takes its items in the Tab
 * order after the button. A navigation closes it, as a new page would.
 */
export function HeaderMenu({ children }: { children: ReactNode }) {
  const router = useRouter();
  const menu = useRef<HTMLDivElement>(null);

  useEffect(
    () =>
      router.subscribe("onBeforeNavigate", () => {
        if (menu.current?.matches(":popover-open")) menu.current.hidePopover();
      }),
    [router],
  );

  return (
    <>
      <button type="button" className="button button-secondary header-menu-button" popoverTarget={MENU_ID}>
        Menu
      </button>
      <div id={MENU_ID} ref={menu} popover="auto" className="header-menu" data-testid="header-menu">
        {children}
      </div>
    </>
  );
}
