/** The app server's last check on every `Location` it sends (app/lib/security-headers.server.ts). */
import { describe, expect, it } from "vitest";
import { safeLocation } from "../../app/lib/security-headers.server";

const request = new URL("http://127.0.0.1:3000/sign-in?redirect=x");

describe("safeLocation", () => {
  it.each([
    ["http://127.0.0.1:3000/customers?q=a%2Fb#notes", "/customers?q=a%2Fb#notes"],
    ["/customers/abc", "/customers/abc"],
    ["http://127.0.0.1:3000//evil.example/", "/evil.example/"],
  ])("writes a same-origin %s as the path %s", (location, expected) => {
    expect(safeLocation(location, request)).toBe(expected);
  });

  it.each(["//evil.example", "/\\evil.example", "/\t/evil.example", "\\\\evil.example", "///evil.example"])(
    "turns the relative reference %j, which a browser resolves to another site, into /",
    (location) => {
      expect(safeLocation(location, request)).toBe("/");
    },
  );

  it("leaves an absolute URL of another site alone (Clerk's handshake)", () => {
    const handshake = "https://clerk.example.accounts.dev/v1/client/handshake?redirect_url=x";
    expect(safeLocation(handshake, request)).toBe(handshake);
  });
});
