/**
 * Issue 11.7: a token whose `iat` (issued at) lies in the future beyond Convex's clock skew
 * (5 s) is refused, over HTTP and over the WebSocket; one within the skew is accepted.
 */
import { ConvexHttpClient } from "convex/browser";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { api } from "../backend/fixtures/convex/_generated/api";
import { fixtureBackendWithAuth, ISSUER } from "../backend/helpers";
import { RawSyncClient } from "../backend/raw-sync";

const fixture = fixtureBackendWithAuth();

/** A token otherwise valid, issued `aheadSeconds` from now, valid for an hour after that. */
async function issuedAhead(aheadSeconds: number): Promise<string> {
  const iat = Math.floor(Date.now() / 1000) + aheadSeconds;
  return await new SignJWT({})
    .setProtectedHeader({ alg: "RS256", kid: "test-key" })
    .setSubject("time-traveller")
    .setIssuer(ISSUER)
    .setAudience("convex")
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(fixture.keys.privateKey);
}

describe("tokens issued in the future", () => {
  it("are refused over HTTP with Convex's code", async () => {
    const response = await fetch(`${fixture.backend.url}/api/query`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${await issuedAhead(3600)}` },
      body: JSON.stringify({ path: "contacts:whoAmI", args: [{}], format: "convex_encoded_json" }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe("InvalidAuthHeader");
    expect(body.message).toMatch(/^Could not validate token: Token will be valid in \d+ seconds$/);
  });

  it("are refused over the WebSocket with an AuthError", async () => {
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({ type: "Authenticate", tokenType: "User", value: await issuedAhead(600), baseVersion: 0 });
    const error = await raw.next((m) => m.type === "AuthError");
    expect(error.error).toMatch(/Token will be valid in \d+ seconds/);
    raw.close();
  });

  it("are accepted within the clock skew", async () => {
    const client = new ConvexHttpClient(fixture.backend.url, { auth: await issuedAhead(2) });
    expect(await client.query(api.contacts.whoAmI, {})).toMatchObject({ subject: "time-traveller" });
  });
});
