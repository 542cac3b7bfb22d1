import { describe, expect, it } from "vitest";
import { formatDate, formatMoment } from "./format-date";

// 02:30 UTC on Dec 7: still Dec 6 in New York, already 08:00 in Kolkata.
const time = Date.UTC(2026, 11, 7, 2, 30);

describe("dates and moments in the viewer's time zone", () => {
  it("writes the day as it is where the viewer is", () => {
    expect(formatDate(time, "UTC")).toBe("Dec 7, 2026");
    expect(formatDate(time, "America/New_York")).toBe("Dec 6, 2026");
  });

  it("writes the moment to the minute", () => {
    expect(formatMoment(time, "UTC")).toBe("Dec 7, 2026, 02:30");
    expect(formatMoment(time, "America/New_York")).toBe("Dec 6, 2026, 21:30");
    expect(formatMoment(time, "Asia/Kolkata")).toBe("Dec 7, 2026, 08:00");
  });
});
