import { v } from "convex/values";
import { describe, expect, it } from "vitest";
import { compareFieldValues, validateValue, type ValidatorJson } from "../../local-backend/database/values";

/** A validator's JSON form (what `exportArgs()` and schemas carry; `.json` is @internal in the types). */
const json = (validator: unknown) => (validator as { json: ValidatorJson }).json;
const noIds = () => false;

describe("validators", () => {
  it("checks literals, including bigint literals", () => {
    expect(validateValue(json(v.literal("a")), "a", noIds)).toBeNull();
    expect(validateValue(json(v.literal("a")), "b", noIds)).toMatch(/does not match/);
    expect(validateValue(json(v.literal(3n)), 3n, noIds)).toBeNull();
    expect(validateValue(json(v.literal(3n)), 3, noIds)).toMatch(/does not match/);
  });

  it("checks objects: missing, extra and optional fields", () => {
    const o = json(v.object({ a: v.string(), b: v.optional(v.number()) }));
    expect(validateValue(o, { a: "x" }, noIds)).toBeNull();
    expect(validateValue(o, { a: "x", b: 1 }, noIds)).toBeNull();
    expect(validateValue(o, { b: 1 }, noIds)).toMatch(/missing the required field `a`/);
    expect(validateValue(o, { a: "x", c: 1 }, noIds)).toMatch(/extra field `c`/);
  });

  it("checks arrays, records, unions, int64 and bytes", () => {
    expect(validateValue(json(v.array(v.number())), [1, 2], noIds)).toBeNull();
    expect(validateValue(json(v.array(v.number())), [1, "2"], noIds)).toMatch(/\[1\]/);
    expect(validateValue(json(v.record(v.string(), v.boolean())), { x: true }, noIds)).toBeNull();
    expect(validateValue(json(v.union(v.string(), v.null())), null, noIds)).toBeNull();
    expect(validateValue(json(v.union(v.string(), v.null())), 1, noIds)).toMatch(/does not match/);
    expect(validateValue(json(v.int64()), 1n, noIds)).toBeNull();
    expect(validateValue(json(v.int64()), 1, noIds)).toMatch(/does not match/);
    expect(validateValue(json(v.bytes()), new ArrayBuffer(2), noIds)).toBeNull();
  });
});

describe("value order", () => {
  it("follows Convex's order across types and within strings", () => {
    const ordered = [
      undefined,
      null,
      -1n,
      5n,
      -Infinity,
      -1,
      0,
      2.5,
      Infinity,
      false,
      true,
      "",
      "A",
      "a",
      "ab",
      "é",
      "😀",
      new ArrayBuffer(1),
      [],
      [1],
      {},
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(compareFieldValues(ordered[i], ordered[j]))).toBe(Math.sign(i - j));
      }
    }
  });
});
