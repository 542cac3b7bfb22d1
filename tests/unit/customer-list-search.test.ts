import { describe, expect, it } from "vitest";
import { customerListSearchSchema, defaultCustomerListSearch } from "../../app/features/customers/search-params";

describe("customer list search params", () => {
  it("defaults to all statuses, newest first, no search", () => {
    expect(defaultCustomerListSearch).toEqual({ status: "all", sort: "newest", q: "" });
  });

  it("keeps valid values", () => {
    expect(customerListSearchSchema.parse({ status: "active", sort: "name", q: " ada " })).toEqual({
      status: "active",
      sort: "name",
      q: "ada",
    });
  });

  it("falls back to each default on nonsense instead of failing", () => {
    expect(customerListSearchSchema.parse({ status: "deleted", sort: 42, q: ["x"] })).toEqual(defaultCustomerListSearch);
    expect(customerListSearchSchema.parse({ q: "x".repeat(500) }).q).toBe("");
  });
});
