import { createServer, type Server } from "node:http";
import { ConvexHttpClient } from "convex/browser";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { startTestBackend, type TestBackend } from "./helpers";
import { RawSyncClient } from "./raw-sync";

// A stand-in OIDC issuer (as Clerk is): discovery document + JWKS over HTTP.
let issuerServer: Server;
let issuer: string;
let backend: TestBackend;
let sign: (claims: {
  sub: string;
  aud?: string;
  iss?: string;
  kid?: string | null;
  iat?: number;
  exp?: number;
}) => Promise<string>;
let discoveryHits = 0;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  // Two keys, as during a key rotation: a token must say (kid) which one signed it.
  const rotated = await generateKeyPair("RS256");
  const jwks = {
    keys: [
      { ...(await exportJWK(publicKey)), kid: "oidc-key", alg: "RS256", use: "sig" },
      { ...(await exportJWK(rotated.publicKey)), kid: "rotated-key", alg: "RS256", use: "sig" },
    ],
  };
  issuerServer = createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      discoveryHits++;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json` }));
    } else if (req.url === "/.well-known/jwks.json") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(jwks));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => issuerServer.listen(0, "127.0.0.1", () => r()));
  const address = issuerServer.address();
  issuer = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  sign = ({ sub, aud, iss, kid, iat, exp }) =>
    new SignJWT({ email: `${sub}@example.com` })
      .setProtectedHeader(kid === null ? { alg: "RS256" } : { alg: "RS256", kid: kid ?? "oidc-key" })
      .setSubject(sub)
      .setIssuer(iss ?? issuer)
      .setAudience(aud ?? "convex")
      .setIssuedAt(iat)
      .setExpirationTime(exp ?? (iat ?? Math.floor(Date.now() / 1000)) + 600)
      .sign(privateKey);
  // The same keys also serve a customJwt provider whose JWKS is fetched by URL.
  backend = await startTestBackend({
    env: {
      TEST_OIDC_DOMAIN: issuer,
      TEST_ISSUER: "https://custom.issuer.test",
      TEST_JWKS: `${issuer}/.well-known/jwks.json`,
      // The first key alone, inline: a one-key set still needs the token to name its kid.
      TEST_INLINE_ISSUER: "https://inline.issuer.test",
      TEST_INLINE_JWKS: `data:application/json;base64,${Buffer.from(JSON.stringify({ keys: [jwks.keys[0]] })).toString("base64")}`,
      TEST_BROKEN_ISSUER: "https://broken.issuer.test",
      TEST_BROKEN_JWKS: "data:text/plain,not-a-key-set",
    },
    pingIntervalMs: 100,
  });
});
afterAll(async () => {
  await backend.destroy();
  await new Promise<void>((r) => issuerServer.close(() => r()));
});

describe("auth with an OIDC provider ({ domain, applicationID })", () => {
  it("verifies tokens through discovery + JWKS and derives tokenIdentifier = issuer|subject", async () => {
    const client = new ConvexHttpClient(backend.url, { auth: await sign({ sub: "clerk_user_1" }) });
    expect(await client.query(api.contacts.whoAmI, {})).toEqual({
      tokenIdentifier: `${issuer}|clerk_user_1`,
      subject: "clerk_user_1",
      email: "clerk_user_1@example.com",
    });
    expect(discoveryHits).toBeGreaterThanOrEqual(1);
  });

  it("isolates users: each sees only their own rows", async () => {
    const a = new ConvexHttpClient(backend.url, { auth: await sign({ sub: "a" }) });
    const b = new ConvexHttpClient(backend.url, { auth: await sign({ sub: "b" }) });
    await a.mutation(api.contacts.addMine, { name: "A's" });
    await b.mutation(api.contacts.addMine, { name: "B's" });
    expect(await a.query(api.contacts.mine, {})).toEqual(["A's"]);
    expect(await b.query(api.contacts.mine, {})).toEqual(["B's"]);
    await expect(new ConvexHttpClient(backend.url).query(api.contacts.mine, {})).rejects.toThrow(/Not signed in/);
  });

  it("rejects a wrong audience", async () => {
    const client = new ConvexHttpClient(backend.url, { auth: await sign({ sub: "x", aud: "other-app" }) });
    await expect(client.query(api.contacts.whoAmI, {})).rejects.toThrow(/aud/);
  });
});

describe("auth with a customJwt provider whose JWKS is a URL", () => {
  it("verifies tokens against keys fetched from the URL", async () => {
    const client = new ConvexHttpClient(backend.url, { auth: await sign({ sub: "cj", iss: "https://custom.issuer.test" }) });
    expect(await client.query(api.contacts.whoAmI, {})).toMatchObject({ tokenIdentifier: "https://custom.issuer.test|cj" });
  });
});

/** An HTTP query's 401 body: Convex's `{ code, message }`. */
async function refusal(authorization: string): Promise<{ status: number; code: string; message: string }> {
  const response = await fetch(`${backend.url}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: authorization },
    body: JSON.stringify({ path: "contacts:whoAmI", args: [{}], format: "convex_encoded_json" }),
  });
  const body = (await response.json()) as { code: string; message: string };
  return { status: response.status, ...body };
}

describe("auth errors as Convex reports them", () => {
  it("NoAuthProvider names the configured providers", async () => {
    const result = await refusal(`Bearer ${await sign({ sub: "x", iss: "https://unknown.issuer.test" })}`);
    expect(result).toMatchObject({ status: 401, code: "NoAuthProvider" });
    expect(result.message).toBe(
      "No auth provider found matching the given token. Check that your JWT's issuer and audience match one of your configured providers: " +
        "[CustomJWT(issuer=https://custom.issuer.test, app_id=convex), CustomJWT(issuer=https://inline.issuer.test, app_id=none), " +
        `CustomJWT(issuer=https://broken.issuer.test, app_id=none), OIDC(domain=${issuer}, app_id=convex)]`,
    );
  });

  it("routes by audience too: a wrong audience matches no provider", async () => {
    const result = await refusal(`Bearer ${await sign({ sub: "x", aud: "other-app" })}`);
    expect(result).toMatchObject({ status: 401, code: "NoAuthProvider" });
  });

  it("InvalidAuthHeader for a token that is not a JWT, and for a header that is not bearer", async () => {
    expect(await refusal("Bearer not-a-jwt")).toMatchObject({
      status: 401,
      code: "InvalidAuthHeader",
      message:
        "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.",
    });
    expect(await refusal("Basic dXNlcjpwYXNz")).toMatchObject({
      status: 401,
      code: "InvalidAuthHeader",
      message: "Header must begin with `bearer `",
    });
  });

  it("custom JWT: names the kid that matches no key", async () => {
    const result = await refusal(`Bearer ${await sign({ sub: "x", iss: "https://custom.issuer.test", kid: "gone-key" })}`);
    expect(result).toMatchObject({
      status: 401,
      code: "InvalidAuthHeader",
      message:
        "Could not decode token. The JWT's 'kid' (key ID) header is 'gone-key', does this key match any key in the provider's JWKS?",
    });
  });

  it("refuses a token without kid when the key set has several keys (custom JWT and OIDC)", async () => {
    const custom = await refusal(`Bearer ${await sign({ sub: "x", iss: "https://custom.issuer.test", kid: null })}`);
    expect(custom).toMatchObject({
      status: 401,
      code: "InvalidAuthHeader",
      message: "Could not decode token. JWT may be missing a 'kid' (key ID) header.",
    });
    const oidc = await refusal(`Bearer ${await sign({ sub: "x", kid: null })}`);
    expect(oidc).toMatchObject({
      status: 401,
      code: "Unauthenticated",
      message: "Could not verify OIDC token claim. Check that the token signature is valid and the token hasn't expired.",
    });
  });

  it("custom JWT: refuses a token without kid even when the key set has one key", async () => {
    const inline = "https://inline.issuer.test";
    expect(await refusal(`Bearer ${await sign({ sub: "x", iss: inline, kid: null })}`)).toMatchObject({
      status: 401,
      code: "InvalidAuthHeader",
      message: "Could not decode token. JWT may be missing a 'kid' (key ID) header.",
    });
    const client = new ConvexHttpClient(backend.url, { auth: await sign({ sub: "inline-user", iss: inline }) });
    expect(await client.query(api.contacts.whoAmI, {})).toMatchObject({ subject: "inline-user" });
  });

  it("custom JWT: a key set that is not JSON is named", async () => {
    const result = await refusal(`Bearer ${await sign({ sub: "x", iss: "https://broken.issuer.test" })}`);
    expect(result).toMatchObject({
      status: 401,
      code: "InvalidAuthHeader",
      message:
        "Invalid JWKS response body from 'data:text/plain,not-a-key-set'. The response is not valid JSON or doesn't match the expected JWKS format.",
    });
  });

  it("says how long ago an expired token expired", async () => {
    const now = Math.floor(Date.now() / 1000);
    const custom = await refusal(
      `Bearer ${await sign({ sub: "x", iss: "https://custom.issuer.test", iat: now - 60, exp: now - 30 })}`,
    );
    expect(custom).toMatchObject({ status: 401, code: "InvalidAuthHeader" });
    expect(custom.message).toMatch(/^Could not validate token: Token expired (30|31|32) seconds ago$/);
  });

  it("refuses a token issued in the future beyond the clock skew", async () => {
    const ahead = Math.floor(Date.now() / 1000) + 120;
    const custom = await refusal(`Bearer ${await sign({ sub: "x", iss: "https://custom.issuer.test", iat: ahead })}`);
    expect(custom).toMatchObject({ status: 401, code: "InvalidAuthHeader" });
    expect(custom.message).toMatch(/^Could not validate token: Token will be valid in (118|119|120) seconds$/);
    expect(await refusal(`Bearer ${await sign({ sub: "x", iat: ahead })}`)).toMatchObject({
      status: 401,
      code: "Unauthenticated",
    });
  });

  it("sends the same explanation in the WebSocket's AuthError", async () => {
    const raw = await RawSyncClient.open(backend.url);
    raw.send({
      type: "Authenticate",
      tokenType: "User",
      value: await sign({ sub: "x", iss: "https://unknown.issuer.test" }),
      baseVersion: 0,
    });
    const error = await raw.next((m) => m.type === "AuthError");
    expect(error.error).toMatch(/^No auth provider found matching the given token\. .*configured providers: \[CustomJWT/);
    raw.close();
  });
});

describe("keep-alive", () => {
  it("pings idle sync connections", async () => {
    const raw = await RawSyncClient.open(backend.url);
    const ping = await raw.next((m) => m.type === "Ping", 2000);
    expect(ping).toEqual({ type: "Ping" });
    raw.close();
  });
});
