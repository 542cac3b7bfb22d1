/** The local adapter's pieces: the session cookie, the post-sign-in redirect, the Convex tokens. */
import { createHmac, randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { LOCAL_ISSUER, loadLocalIdentityProvider } from "../../app/auth/local/identity-provider.server";
import { decodeSession, encodeSession, newSession, renewedSession } from "../../app/auth/local/session.server";
import { DEFAULT_AFTER_SIGN_IN, safeRedirect } from "../../app/auth/redirect";
import { OFF_SITE_TARGETS } from "../support/off-site-targets";

const secret = randomBytes(32);
const now = Date.parse("2026-11-24T12:00:00Z");
const iat = Math.floor(now / 1000);
const DAY = 86_400;

describe("local session cookie", () => {
  const session = newSession("ada@example.com", 7 * DAY, now);
  const valid = encodeSession(session, secret);

  it("round-trips a fresh session with a random id", () => {
    expect(session).toEqual({
      sid: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as string,
      email: "ada@example.com",
      iat,
      exp: iat + 7 * DAY,
    });
    expect(newSession("ada@example.com", 7 * DAY, now).sid).not.toBe(session.sid);
    expect(decodeSession(valid, secret, now)).toEqual(session);
  });

  it("rejects a payload changed after signing", () => {
    const [, mac] = valid.split(".");
    const otherPayload = Buffer.from(JSON.stringify({ ...session, email: "eve@example.com" })).toString("base64url");
    expect(decodeSession(`${otherPayload}.${mac}`, secret, now)).toBeNull();
  });

  it("rejects a changed or missing signature, and another server's secret", () => {
    const [payload, mac = ""] = valid.split(".");
    const flipped = `${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
    expect(decodeSession(`${payload}.${flipped}`, secret, now)).toBeNull();
    expect(decodeSession(`${payload}.`, secret, now)).toBeNull();
    expect(decodeSession(`${payload}`, secret, now)).toBeNull();
    expect(decodeSession(valid, randomBytes(32), now)).toBeNull();
  });

  it("rejects malformed values", () => {
    expect(decodeSession(undefined, secret, now)).toBeNull();
    expect(decodeSession("", secret, now)).toBeNull();
    expect(decodeSession(`${valid}.extra`, secret, now)).toBeNull();
    // Correctly signed, but not a session: not JSON, or JSON of the wrong shape.
    const signed = (text: string) => {
      const payload = Buffer.from(text).toString("base64url");
      return `${payload}.${createHmac("sha256", secret).update(payload).digest("base64url")}`;
    };
    expect(decodeSession(signed(JSON.stringify(session)), secret, now)).not.toBeNull();
    expect(decodeSession(signed("not json"), secret, now)).toBeNull();
    expect(decodeSession(signed(JSON.stringify({ ...session, email: undefined })), secret, now)).toBeNull();
    expect(decodeSession(signed(JSON.stringify({ ...session, iat: "yesterday" })), secret, now)).toBeNull();
    // A cookie of the stateless format before session ids: it cannot be revoked, so it is not accepted.
    expect(decodeSession(signed(JSON.stringify({ email: "ada@example.com", iat })), secret, now)).toBeNull();
    expect(decodeSession(signed(JSON.stringify({ ...session, sid: "../../local-idp.json" })), secret, now)).toBeNull();
  });

  it("expires at its end, and refuses sessions issued in the future", () => {
    expect(decodeSession(encodeSession({ ...session, exp: iat }, secret), secret, now)).toBeNull();
    expect(decodeSession(encodeSession({ ...session, exp: iat + 1 }, secret), secret, now)).not.toBeNull();
    expect(decodeSession(encodeSession({ ...session, iat: iat + 3600, exp: iat + 7200 }, secret), secret, now)).toBeNull();
  });

  it("slides: a session used in the second half of its lifetime gets a full one again", () => {
    expect(renewedSession(session, 7 * DAY, now + 3 * DAY * 1000)).toBeNull();
    const later = now + 4 * DAY * 1000;
    expect(renewedSession(session, 7 * DAY, later)).toEqual({ ...session, exp: Math.floor(later / 1000) + 7 * DAY });
  });
});

describe("safeRedirect", () => {
  it.each([
    ["/customers/new", "/customers/new"],
    ["/customers?status=lead#top", "/customers?status=lead#top"],
    ["/customers?q=a%2Fb", "/customers?q=a%2Fb"],
    ["/customers/abc#notes", "/customers/abc#notes"],
    ["/customers/abc/edit?workspace=w1", "/customers/abc/edit?workspace=w1"],
    // Resolved as the browser would, and what was judged is what is followed.
    ["/customers/./abc", "/customers/abc"],
    ["/workspaces/../customers", "/customers"],
    ["/customers//abc", "/customers/abc"],
  ])("keeps %s on this site as %s", (value, expected) => {
    expect(safeRedirect(value)).toBe(expected);
  });

  it.each(OFF_SITE_TARGETS)("sends %j to the list instead of off the site", (value) => {
    expect(safeRedirect(value)).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  it.each([
    ["a relative path", "customers"],
    ["a newline", "/customers\n"],
    ["the sign-in page itself", "/sign-in?redirect=/x"],
    ["the sign-in page, reached through a dot segment", "/customers/../sign-in"],
    ["nothing", undefined],
    ["a non-string", ["/customers"]],
    ["an overlong value", `/${"a".repeat(2048)}`],
  ])("falls back to the list for %s", (_label, value) => {
    expect(safeRedirect(value)).toBe(DEFAULT_AFTER_SIGN_IN);
  });
});

describe("local identity provider", () => {
  const dirs: string[] = [];
  const keysDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "clientele-idp-"));
    dirs.push(dir);
    return join(dir, "keys");
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("mints Convex tokens: iss, aud 'convex', sub = the normalized email, exp = iat + ttl", async () => {
    const provider = await loadLocalIdentityProvider(await keysDir());
    const token = await provider.mintConvexToken({ email: " Ada@Example.COM " }, { ttlSeconds: 120 });
    const jwks = JSON.parse(Buffer.from(provider.jwksDataUri.split(",")[1] ?? "", "base64").toString("utf8")) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: LOCAL_ISSUER,
      audience: "convex",
      algorithms: ["RS256"],
    });
    expect(protectedHeader.kid).toBe(jwks.keys[0]!.kid);
    expect(payload).toMatchObject({ iss: LOCAL_ISSUER, aud: "convex", sub: "ada@example.com", email: "ada@example.com" });
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
  });

  it("keeps its keys private and per directory: another directory's tokens do not verify", async () => {
    const dirA = await keysDir();
    const a = await loadLocalIdentityProvider(dirA);
    const b = await loadLocalIdentityProvider(await keysDir());
    expect((await stat(join(dirA, "local-idp.json"))).mode & 0o777).toBe(0o600);
    expect(await loadLocalIdentityProvider(dirA)).toBe(a);
    const jwksOfA = JSON.parse(Buffer.from(a.jwksDataUri.split(",")[1] ?? "", "base64").toString("utf8")) as JSONWebKeySet;
    const tokenOfB = await b.mintConvexToken({ email: "eve@example.com" });
    expect(decodeProtectedHeader(tokenOfB).alg).toBe("RS256");
    await expect(jwtVerify(tokenOfB, createLocalJWKSet(jwksOfA))).rejects.toThrow();
  });
});
