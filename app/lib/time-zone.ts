import { createIsomorphicFn } from "@tanstack/react-start";
import { getRequestHeader } from "@tanstack/react-start/server";

/**
 * Times are shown in the viewer's time zone. The server cannot know it from a request, so the
 * browser keeps its zone in this cookie (app/components/time-zone.tsx) and the next server
 * render uses it; without it (a first visit) the server renders UTC and the page switches to the
 * browser's zone once hydrated.
 */
export const TIME_ZONE_COOKIE = "tz";
const FALLBACK = "UTC";
/** A year: the zone changes only when the viewer travels, and the browser rewrites it then. */
const COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/**
 * Canonical names already checked: a few hundred at most. Other spellings ("europe/berlin") are
 * checked each time, or a client could fill this with every casing of every zone.
 */
const known = new Set<string>();

/** The zone's canonical IANA name if the runtime knows it ("europe/berlin" → "Europe/Berlin"), else null. */
export function knownTimeZone(name: string | null | undefined): string | null {
  if (!name || name.length > 64) return null;
  if (known.has(name)) return name;
  try {
    const canonical = new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
    if (canonical === name) known.add(name);
    return canonical;
  } catch {
    return null;
  }
}

/** The zone a request's cookie names, or UTC when it names none (or one this runtime does not know). */
export function timeZoneOfCookies(cookieHeader: string | null): string {
  for (const part of cookieHeader?.split(";") ?? []) {
    const [name, ...value] = part.trim().split("=");
    if (name !== TIME_ZONE_COOKIE) continue;
    try {
      return knownTimeZone(decodeURIComponent(value.join("="))) ?? FALLBACK;
    } catch {
      return FALLBACK; // malformed percent-encoding
    }
  }
  return FALLBACK;
}

/** The `document.cookie` assignment that keeps `timeZone` for the next server render. */
export function timeZoneCookie(timeZone: string, secure: boolean): string {
  return `${TIME_ZONE_COOKIE}=${encodeURIComponent(timeZone)}; Path=/; Max-Age=${COOKIE_MAX_AGE_SECONDS}; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/**
 * The zone this page was server-rendered in: on the server, the one the request's cookie names;
 * in the browser, the `data-time-zone` the server wrote on `<html>`, so hydration renders every
 * time as the server did.
 */
export const renderedTimeZone = createIsomorphicFn()
  .server((): string => {
    let cookies: string | undefined;
    try {
      cookies = getRequestHeader("cookie");
    } catch {
      return FALLBACK; // outside a request
    }
    return timeZoneOfCookies(cookies ?? null);
  })
  .client((): string => knownTimeZone(document.documentElement.dataset.timeZone) ?? FALLBACK);
