/**
 * Clerk with a JWT template named "convex": the built server, the real clerkMiddleware() and
 * auth(), a stand-in for Clerk's APIs and the local backend trusting the stand-in's issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { type ClerkHarness, headerOf, startClerkHarness } from "./harness";

let clerk: ClerkHarness;

beforeAll(async () => {
  clerk = await startClerkHarness({ jwtTemplate: "convex" });
});
afterAll(async () => {
  await clerk?.close();
});

describe("Clerk with the convex JWT template", () => {
  it("server-renders /customers signed in, with the rows Convex returns for the template's token", async () => {
    const userId = "user_template_1";
    await (
      await clerk.convexAs(userId)
    ).mutation(api.customers.createMany, {
      customers: [{ name: "Ada From Clerk", email: "ada@clerk-customer.test" }],
    });
    // Another Clerk user's rows must not show.
    await (
      await clerk.convexAs("user_someone_else")
    ).mutation(api.customers.createMany, {
      customers: [{ name: "Not Yours", email: "other@clerk-customer.test" }],
    });

    const session = await clerk.sessionToken({ sub: userId, sid: "sess_template_1" });
    const response = await clerk.fetch("/customers", { cookies: clerk.signedInCookies(session) });
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(clerk.calls).toContainEqual({ method: "POST", path: "/v1/sessions/sess_template_1/tokens/convex" });
    const convexToken = clerk.issuedTokens.get("sess_template_1");
    expect(convexToken).toBeDefined();
    // The dehydrated auth state carries the template's token (not the session token) to the browser.
    expect(html).toContain(convexToken!);
    expect(html).not.toContain(session);
    // The header shows the template token's email; the list has this user's row only.
    expect(headerOf(html)).toContain(`${userId}@clerk.test`);
    expect(headerOf(html)).toContain("Sign out");
    expect(html).toContain("Ada From Clerk");
    expect(html).not.toContain("Not Yours");
    // The page carries Clerk's initial state for ClerkProvider, and the runtime publishable key.
    expect(html).toContain("__clerk_init_state");
    expect(html).toContain(process.env.CLERK_PUBLISHABLE_KEY!);
  });

  it("never calls anything but the stand-in and the local backend", () => {
    const allowed = [new URL(clerk.issuer).host, new URL(clerk.backend.url).host];
    expect(clerk.outbound.some((url) => url.includes("/v1/sessions/"))).toBe(true);
    expect(clerk.outbound.filter((url) => !allowed.includes(new URL(url).host))).toEqual([]);
  });

  it("reads as signed out when Clerk's Backend API fails to issue the token", async () => {
    clerk.failingSessions.add("sess_failing");
    const session = await clerk.sessionToken({ sub: "user_failing", sid: "sess_failing" });
    const response = await clerk.fetch("/", { cookies: clerk.signedInCookies(session) });
    expect(response.status).toBe(200);
    expect(clerk.calls).toContainEqual({ method: "POST", path: "/v1/sessions/sess_failing/tokens/convex" });
    expect(headerOf(await response.text())).toContain('href="/sign-in"');
  });
});

describe("a missing, forged or expired session never fails a page", () => {
  const get = async (path: string, cookies: Record<string, string>, document = true) => {
    const response = await clerk.fetch(path, { cookies, document });
    return {
      status: response.status,
      location: response.headers.get("location"),
      reason: response.headers.get("x-clerk-auth-reason"),
      body: await response.text(),
    };
  };
  const toSignIn = { status: 307, location: "/sign-in?redirect=%2Fcustomers" };

  it("without a session cookie: /customers redirects to sign-in, / renders the signed-out header", async () => {
    const cookies = { __clerk_db_jwt: "dvb_offline" };
    expect(await get("/customers", cookies)).toMatchObject({ ...toSignIn, reason: "session-token-and-uat-missing" });
    const home = await get("/", cookies);
    expect(home.status).toBe(200);
    expect(headerOf(home.body)).toContain('href="/sign-in"');
    expect(headerOf(home.body)).not.toContain("Sign out");
  });

  it("with a session token signed by another key: signed out", async () => {
    const forged = await clerk.sessionToken({ sub: "user_victim", sid: "sess_victim", key: clerk.attackerKey });
    expect(await get("/customers", clerk.signedInCookies(forged))).toMatchObject({
      ...toSignIn,
      reason: "token-invalid-signature",
    });
    const home = await get("/", clerk.signedInCookies(forged));
    expect(home.status).toBe(200);
    expect(headerOf(home.body)).toContain('href="/sign-in"');
    expect(home.body).not.toContain("user_victim");
  });

  it("with a malformed session cookie: signed out", async () => {
    expect(await get("/customers", clerk.signedInCookies("not.a.jwt"))).toMatchObject({ ...toSignIn, reason: "token-invalid" });
  });

  it("with an expired session token: a page load goes through Clerk's handshake, a fetch reads as signed out", async () => {
    const expired = await clerk.sessionToken({ sub: "user_expired", sid: "sess_expired", expiresIn: -120 });
    // A document request is sent to the Frontend API to refresh the session (Clerk's design), not to an error.
    const page = await get("/customers", clerk.signedInCookies(expired));
    expect(page.status).toBe(307);
    expect(new URL(page.location!).host).toBe(new URL(clerk.issuer).host);
    expect(new URL(page.location!).pathname).toBe("/v1/client/handshake");
    // A non-document request (a server function call, Accept: */*) gets no handshake: signed out.
    expect(await get("/customers", clerk.signedInCookies(expired), false)).toMatchObject(toSignIn);
    expect(clerk.calls.some((call) => call.path.includes("sess_expired"))).toBe(false);
  });

  it("on a development instance without the dev-browser cookie: Clerk's handshake, not an error", async () => {
    const first = await get("/customers", {});
    expect(first).toMatchObject({ status: 307, reason: "dev-browser-missing" });
    expect(new URL(first.location!).pathname).toBe("/v1/client/handshake");
  });
});
