import { describe, expect, it } from "vitest";
import { knownTimeZone, timeZoneCookie, timeZoneOfCookies } from "./time-zone";

describe("knownTimeZone", () => {
  it("gives a zone's canonical name, and null for anything that is not a zone", () => {
    expect(knownTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(knownTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(knownTimeZone("UTC")).toBe("UTC");
    for (const bad of ["", "Mars/Olympus_Mons", "<script>", "x".repeat(100), null, undefined]) {
      expect(knownTimeZone(bad)).toBeNull();
    }
  });
});

describe("timeZoneOfCookies", () => {
  it("reads the zone the browser kept, among other cookies", () => {
    expect(timeZoneOfCookies("session=abc; tz=America%2FNew_York; other=1")).toBe("America/New_York");
  });

  it("falls back to UTC without the cookie, or with one that names no zone or is malformed", () => {
    for (const header of [null, "", "session=abc", "tz=Mars%2FBase", "tz=%E0%A4%A", "tz=", "xtz=Europe%2FBerlin"]) {
      expect(timeZoneOfCookies(header)).toBe("UTC");
    }
  });

  it("reads back what the browser writes", () => {
    const cookie = timeZoneCookie("Europe/Paris", true);
    expect(cookie).toMatch(/; Path=\/; Max-Age=\d+; SameSite=Lax; Secure$/);
    expect(timeZoneOfCookies(cookie.split(";")[0]!)).toBe("Europe/Paris");
    expect(timeZoneCookie("Europe/Paris", false)).not.toContain("Secure");
  });
});
