/**
 * Clerk's native Convex integration (CLERK_JWT_TEMPLATE=none): `getToken()` without a template
 * makes no Backend API call at all (@clerk/backend's createGetToken returns the request's
 * session token), so the Convex token is the `__session` cookie's JWT, which Clerk issues with
 * `aud: "convex"` when the integration is on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { type ClerkHarness, headerOf, startClerkHarness } from "./harness";

let clerk: ClerkHarness;

beforeAll(async () => {
  clerk = await startClerkHarness({ jwtTemplate: "none" });
});
afterAll(async () => {
  await clerk?.close();
});

describe("Clerk's native Convex integration", () => {
  it("server-renders /customers with the session token as the Convex token, without a token call", async () => {
    const userId = "user_native_1";
    await (
      await clerk.convexAs(userId)
    ).mutation(api.customers.createMany, {
      customers: [{ name: "Grace Native", email: "grace@clerk-customer.test" }],
    });
    const session = await clerk.sessionToken({ sub: userId, sid: "sess_native_1", audience: "convex" });
    const response = await clerk.fetch("/customers", { cookies: clerk.signedInCookies(session) });
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(clerk.calls.filter((call) => call.path.startsWith("/v1/"))).toEqual([]);
    expect(html).toContain(session);
    expect(headerOf(html)).toContain(userId);
    expect(html).toContain("Grace Native");
  });

  it("never calls anything but the stand-in (the backend's OIDC discovery) and the local backend", () => {
    const allowed = [new URL(clerk.issuer).host, new URL(clerk.backend.url).host];
    expect(clerk.outbound.length).toBeGreaterThan(0);
    expect(clerk.outbound.filter((url) => !allowed.includes(new URL(url).host))).toEqual([]);
  });
});
