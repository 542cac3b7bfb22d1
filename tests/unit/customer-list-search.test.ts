import { describe, expect, it } from "vitest";
import { defaultCustomerListSearch, parseCustomerListSearch } from "../../app/features/customers/search-params";

describe("customer list search params", () => {
  it("defaults to all statuses, newest first, no search", () => {
    expect(defaultCustomerListSearch).toEqual({ status: "all", sort: "newest", q: "" });
  });

  it("keeps valid values", () => {
    expect(parseCustomerListSearch({ status: "active", sort: "name", q: " ada " })).toEqual({
      status: "active",
      sort: "name",
      q: "ada",
    });
  });

  it("falls back to each default on nonsense instead of failing", () => {
    expect(parseCustomerListSearch({ status: "deleted", sort: 42, q: ["x"] })).toEqual(defaultCustomerListSearch);
    expect(parseCustomerListSearch({ q: "x".repeat(500) }).q).toBe("");
  });

  it("keeps a search for digits, which the router parses as a number", () => {
    expect(parseCustomerListSearch({ q: 42 }).q).toBe("42");
  });
});
