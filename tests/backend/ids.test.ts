import { describe, expect, it } from "vitest";
import { newDocumentId, tableNumberOfId } from "../../local-backend/database/ids";

describe("document ids", () => {
  it("round-trips the table number and has Convex's shape", () => {
    for (const table of [1, 127, 128, 10001, 16383, 16384, 2 ** 28]) {
      const id = newDocumentId(table);
      expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]+$/);
      expect(tableNumberOfId(id)).toBe(table);
    }
    expect(newDocumentId(10001)).toHaveLength(32);
  });

  it("rejects corrupted, truncated and foreign strings", () => {
    const id = newDocumentId(10001);
    const flipped = id.slice(0, 5) + (id[5] === "0" ? "1" : "0") + id.slice(6);
    expect(tableNumberOfId(flipped)).toBeNull();
    expect(tableNumberOfId(id.slice(0, -1))).toBeNull();
    expect(tableNumberOfId(`${id}0`)).toBeNull();
    expect(tableNumberOfId(id.toUpperCase())).toBeNull();
    expect(tableNumberOfId("")).toBeNull();
    expect(tableNumberOfId("i".repeat(32))).toBeNull();
  });

  it("makes distinct ids", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newDocumentId(10001)));
    expect(ids.size).toBe(1000);
  });
});
