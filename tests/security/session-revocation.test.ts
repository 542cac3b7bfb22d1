/**
 * Issue 11.3: sign-out must end a local session for good. The session cookie used to be
 * stateless and valid for 30 days, so a copy taken before sign-out signed its holder back in.
 * Now the cookie carries a session id that sign-out revokes in the keys directory (shared by
 * every app process), and sessions end after LOCAL_AUTH_SESSION_TTL without use (sliding).
 * Against the built server: `npm run build` first.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeSession } from "../../app/auth/local/revocations.server";
import { decodeSession, SESSION_COOKIE } from "../../app/auth/local/session.server";
import { loadLocalIdentityProvider } from "../../app/auth/local/identity-provider.server";
import { type LocalServer, startLocalServer } from "./local-server";

const SESSION_TTL = 86_400;
let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({ LOCAL_AUTH_SESSION_TTL: String(SESSION_TTL) });
});
afterAll(async () => {
  await server?.close();
});

/** The getAuthState server function's answer (seroval's JSON, read as text). */
async function authStateBody(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  return await response.text();
}

function setCookieOf(response: Response): string {
  return response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`)) ?? "";
}

describe("local sign-out", () => {
  it("revokes the session: the same cookie replayed afterwards reads as signed out and gets no token", async () => {
    const { cookie } = await server.signedInCookie("ada@example.com");
    const before = await server.page("/customers", { cookie });
    expect(before.status).toBe(200);
    expect(await before.text()).toContain("ada@example.com");
    // Fills the server's token cache for this session.
    const tokenState = await authStateBody(await server.serverFn("getAuthState", cookie));
    expect(tokenState).toContain("ada@example.com");
    expect(tokenState).toContain('"s":"eyJ'); // the Convex token

    const signOut = await server.serverFn("signOut", cookie);
    expect(signOut.status).toBe(200);
    expect(setCookieOf(signOut)).toMatch(/^clientele_session=;.*Max-Age=0/);

    // A copy of the cookie taken before sign-out (another tab, a stolen copy).
    const replayed = await server.page("/customers", { cookie });
    expect(replayed.status).toBe(307);
    expect(replayed.headers.get("location")).toMatch(/\/sign-in\?redirect=/);
    const afterward = await authStateBody(await server.serverFn("getAuthState", cookie));
    expect(afterward).not.toContain("ada@example.com");
    expect(afterward).not.toContain("eyJ");
  });

  it("keeps the revocation in the keys directory, where every app process sharing the keys sees it", async () => {
    const { cookie, session } = await server.signedInCookie("grace@example.com");
    expect((await server.page("/customers", { cookie })).status).toBe(200);
    // Revoked by another process: this test's own copy of the module, not the server's.
    await revokeSession(server.keysDir, session, SESSION_TTL);
    expect((await server.page("/customers", { cookie })).status).toBe(307);
    const dir = join(server.keysDir, "revoked-sessions");
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, session.sid))).mode & 0o777).toBe(0o600);
  });

  it("leaves the user's other sessions signed in", async () => {
    const phone = await server.signedInCookie("linus@example.com");
    const laptop = await server.signedInCookie("linus@example.com");
    await server.serverFn("signOut", phone.cookie);
    expect((await server.page("/customers", { cookie: phone.cookie })).status).toBe(307);
    expect((await server.page("/customers", { cookie: laptop.cookie })).status).toBe(200);
  });
});

describe("local session lifetime", () => {
  it("slides: a session used in the second half of LOCAL_AUTH_SESSION_TTL gets a full lifetime again", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { cookie } = await server.signedInCookie("ada@example.com", { iat: now - SESSION_TTL + 600, exp: now + 600 });
    const response = await server.page("/customers", { cookie });
    expect(response.status).toBe(200);
    const renewed = setCookieOf(response);
    expect(renewed).toContain(`Max-Age=${SESSION_TTL}`);
    expect(renewed).toMatch(/HttpOnly/);
    const provider = await loadLocalIdentityProvider(server.keysDir);
    const value = renewed.slice(`${SESSION_COOKIE}=`.length).split(";")[0];
    expect(decodeSession(value, provider.sessionSecret)?.exp).toBeGreaterThanOrEqual(now + SESSION_TTL);

    // A fresh session is not re-sent on every request.
    const fresh = await server.signedInCookie("ada@example.com");
    expect(setCookieOf(await server.page("/customers", { cookie: fresh.cookie }))).toBe("");
  });

  it("ends a session left unused past its lifetime", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { cookie } = await server.signedInCookie("ada@example.com", { iat: now - SESSION_TTL - 5, exp: now - 5 });
    expect((await server.page("/customers", { cookie })).status).toBe(307);
  });
});
