import { Link, useHydrated, useMatchRoute } from "@tanstack/react-router";
import { type KeyboardEvent, type ReactNode, useRef } from "react";

/** The customer's tabs, each a child route of `/customers/$customerId`. */
export const CUSTOMER_TABS = [
  { name: "overview", label: "Overview", to: "/customers/$customerId" },
  { name: "notes", label: "Notes", to: "/customers/$customerId/notes" },
  { name: "activity", label: "Activity", to: "/customers/$customerId/activity" },
  { name: "files", label: "Files", to: "/customers/$customerId/files" },
] as const;

const PANEL_ID = "customer-tab-panel";
const tabId = (name: string) => `customer-tab-${name}`;

/** Keys that move focus along the tabs (WAI-ARIA tabs pattern), to an index or from the current one. */
function nextTab(key: string, current: number, count: number): number | null {
  switch (key) {
    case "ArrowRight":
      return (current + 1) % count;
    case "ArrowLeft":
      return (current - 1 + count) % count;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

/**
 * Tabs that are links: each tab is its own URL (server-rendered, shareable, working without
 * JavaScript), preloaded on hover and focus like every link. Arrow keys, Home and End move focus
 * between tabs (focus preloads); Enter opens one, after which focus moves to its content
 * (app/components/navigation-focus.tsx). A tab replaces the history entry: Back and Escape leave
 * the customer, as from any of its tabs, and return to the row that opened it.
 */
export function CustomerTabs({ customerId, children }: { customerId: string; children: ReactNode }) {
  const matchRoute = useMatchRoute();
  const selected = Math.max(
    0,
    CUSTOMER_TABS.findIndex((tab) => matchRoute({ to: tab.to, params: { customerId } }) !== false),
  );
  const tabs = useRef<(HTMLAnchorElement | null)[]>([]);
  // Before hydration (and without JavaScript) every tab is in the Tab order: no arrow keys yet.
  const hydrated = useHydrated();

  function onKeyDown(event: KeyboardEvent<HTMLAnchorElement>, index: number) {
    const next = nextTab(event.key, index, CUSTOMER_TABS.length);
    if (next === null) return;
    event.preventDefault();
    tabs.current[next]?.focus();
  }

  return (
    <>
      <div role="tablist" aria-label="Customer" className="tabs">
        {CUSTOMER_TABS.map((tab, index) => (
          <Link
            key={tab.name}
            ref={(element) => {
              tabs.current[index] = element;
            }}
            to={tab.to}
            params={{ customerId }}
            replace
            role="tab"
            id={tabId(tab.name)}
            data-testid={tabId(tab.name)}
            aria-selected={index === selected}
            aria-controls={index === selected ? PANEL_ID : undefined}
            tabIndex={!hydrated || index === selected ? 0 : -1}
            onKeyDown={(event) => onKeyDown(event, index)}
          >
            {tab.label}
          </Link>
        ))}
      </div>
      <div
        role="tabpanel"
        id={PANEL_ID}
        aria-labelledby={tabId(CUSTOMER_TABS[selected]!.name)}
        tabIndex={-1}
        className="card tab-panel"
      >
        {children}
      </div>
    </>
  );
}
