import { createContext, type ReactNode, useContext, useEffect, useSyncExternalStore } from "react";
import { knownTimeZone, renderedTimeZone, timeZoneCookie } from "../lib/time-zone";

const TimeZoneContext = createContext("UTC");

/** The browser's zone, which does not change while a page is open. */
const ownTimeZone = () => knownTimeZone(Intl.DateTimeFormat().resolvedOptions().timeZone) ?? "UTC";
const unchanging = () => () => {};

/**
 * Times in the zone the server rendered them in while hydrating, then in the browser's own,
 * which is kept in a cookie so the next server render already uses it (app/lib/time-zone.ts).
 */
export function TimeZoneProvider({ children }: { children: ReactNode }) {
  const timeZone = useSyncExternalStore(unchanging, ownTimeZone, renderedTimeZone);
  useEffect(() => {
    if (timeZone !== renderedTimeZone()) document.cookie = timeZoneCookie(timeZone, location.protocol === "https:");
  }, [timeZone]);
  return <TimeZoneContext value={timeZone}>{children}</TimeZoneContext>;
}

/** The IANA time zone to show times in. */
export function useTimeZone(): string {
  return useContext(TimeZoneContext);
}
