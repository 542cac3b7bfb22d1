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
let sign: (claims: { sub: string; aud?: string; iss?: string }) => Promise<string>;
let discoveryHits = 0;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "oidc-key", alg: "RS256", use: "sig" }] };
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
  sign = ({ sub, aud, iss }) =>
    new SignJWT({ email: `${sub}@example.com` })
      .setProtectedHeader({ alg: "RS256", kid: "oidc-key" })
      .setSubject(sub)
      .setIssuer(iss ?? issuer)
      .setAudience(aud ?? "convex")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(privateKey);
  // The same keys also serve a customJwt provider whose JWKS is fetched by URL.
  backend = await startTestBackend({
    env: { TEST_OIDC_DOMAIN: issuer, TEST_ISSUER: "https://custom.issuer.test", TEST_JWKS: `${issuer}/.well-known/jwks.json` },
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

describe("keep-alive", () => {
  it("pings idle sync connections", async () => {
    const raw = await RawSyncClient.open(backend.url);
    const ping = await raw.next((m) => m.type === "Ping", 2000);
    expect(ping).toEqual({ type: "Ping" });
    raw.close();
  });
});
