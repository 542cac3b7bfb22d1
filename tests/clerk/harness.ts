/**
 * Clerk, fully offline, against the REAL built server (`dist/server/server.js`): the real
 * `clerkMiddleware()` and `auth()`, a local stand-in for Clerk's Frontend and Backend APIs, and
 * the local backend running this project's `convex/` with `CLERK_JWT_ISSUER_DOMAIN` pointing
 * at the stand-in. Keys are generated per run; nothing here reaches the internet.
 *
 * How the stand-in fits Clerk's rules (see docs/decisions/005-auth.md):
 * - The publishable key encodes the stand-in's host (`127.0.0.1:<port>`) as the Frontend API,
 *   so the session token's `iss` (`http://127.0.0.1:<port>`) "belongs to the instance" and the
 *   plain `__session` cookie is read. It is also the Convex provider's `domain`, whose OIDC
 *   discovery document and JWKS the stand-in serves.
 * - `CLERK_JWT_KEY` (the public key as PEM) makes session verification networkless.
 * - `CLERK_API_URL` points the Backend API client (the JWT template's token call) at the stand-in.
 * Must be started before the server module is imported: app.config.ts and Clerk read the
 * environment when they load.
 */
import { existsSync } from "node:fs";
import { generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { SignJWT } from "jose";
import { type LocalBackend, startLocalBackend } from "../../local-backend/index";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const SERVER_ENTRY = join(root, "dist/server/server.js");
/** The origin the app is addressed at in these requests (and the session token's `azp`). */
export const APP_ORIGIN = "http://127.0.0.1:3999";

interface ServerEntry {
  default: { fetch: (request: Request) => Promise<Response> };
}

export interface RecordedCall {
  method: string;
  path: string;
}

export interface ClerkHarness {
  issuer: string;
  backend: LocalBackend;
  /** Every request the stand-in received, in order. */
  calls: RecordedCall[];
  /** Every URL the app process fetched (Clerk's and Convex's clients use the global fetch). */
  outbound: string[];
  /** Convex tokens the stand-in's Backend API issued, by session id. */
  issuedTokens: Map<string, string>;
  /** Session ids whose token call answers 500 (Clerk's Backend API failing). */
  failingSessions: Set<string>;
  /** The built server's own handler (to serve it on a port). */
  handler: (request: Request) => Promise<Response>;
  fetch(path: string, options?: { cookies?: Record<string, string>; document?: boolean }): Promise<Response>;
  /** A Clerk session token (the `__session` cookie), signed with Clerk's key unless `key` is given. */
  sessionToken(options: SessionTokenOptions): Promise<string>;
  /** The cookies a signed-in browser sends with a page request. */
  signedInCookies(sessionToken: string): Record<string, string>;
  /** A Convex token for a user, as Clerk's "convex" template would issue it. */
  convexToken(userId: string, email?: string): Promise<string>;
  convexAs(userId: string): Promise<ConvexHttpClient>;
  /** A key Clerk never used: tokens signed with it are forgeries. */
  attackerKey: KeyObject;
  close(): Promise<void>;
}

export interface SessionTokenOptions {
  sub: string;
  sid: string;
  /** Seconds from now (negative: already expired). Default 60, as Clerk's session tokens. */
  expiresIn?: number;
  /** Native Convex integration: Clerk adds `aud: "convex"` to the session token. */
  audience?: string;
  key?: KeyObject;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function readBody(request: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of request) body += String(chunk);
  return body;
}

export async function startClerkHarness(options: { jwtTemplate: string }): Promise<ClerkHarness> {
  if (!existsSync(SERVER_ENTRY)) {
    throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` first (\`npm test\` builds before running vitest).`);
  }
  const clerkKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `ins_test_${randomUUID().slice(0, 8)}`;
  const jwks = { keys: [{ ...clerkKeys.publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] };

  const calls: RecordedCall[] = [];
  const issuedTokens = new Map<string, string>();
  const failingSessions = new Set<string>();
  /** Sessions the stand-in knows (sid → user id), as Clerk knows the sessions it issued. */
  const sessions = new Map<string, string>();
  let issuer = "";

  const sign = (claims: Record<string, unknown>, subject: string, expiresIn: number, key: KeyObject = clerkKeys.privateKey) => {
    const now = nowSeconds();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(issuer)
      .setSubject(subject)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + expiresIn)
      .sign(key);
  };

  // Clerk's Backend API (the token call) and, on the same host, the OIDC issuer Convex trusts.
  const handleStub = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = request.url ?? "/";
    calls.push({ method: request.method ?? "GET", path });
    await readBody(request);
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(value));
    };
    if (path === "/.well-known/openid-configuration") {
      return json(200, { issuer, jwks_uri: `${issuer}/.well-known/jwks.json` });
    }
    if (path === "/.well-known/jwks.json") return json(200, jwks);
    const tokenCall = /^\/v1\/sessions\/([^/]+)\/tokens\/([^/?]+)$/.exec(path);
    if (request.method === "POST" && tokenCall) {
      const [, sid = "", template] = tokenCall;
      const userId = sessions.get(sid);
      if (!userId || template !== "convex") {
        return json(404, { errors: [{ code: "resource_not_found", message: `no session ${sid} or template ${template}` }] });
      }
      if (failingSessions.has(sid)) {
        return json(500, { errors: [{ code: "internal_error", message: "stand-in failure" }] });
      }
      const jwt = await sign({ aud: "convex", email: `${userId}@clerk.test`, azp: APP_ORIGIN }, userId, 3600);
      issuedTokens.set(sid, jwt);
      return json(200, { object: "token", jwt });
    }
    json(404, { errors: [{ code: "resource_not_found", message: `stand-in has no ${path}` }] });
  };
  const stub: Server = createServer((request, response) => {
    void handleStub(request, response);
  });
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  const address = stub.address();
  const stubHost = `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  issuer = `http://${stubHost}`;

  const dataDir = await mkdtemp(join(tmpdir(), "clientele-clerk-"));
  const backend = await startLocalBackend({
    port: 0,
    dataDir,
    functionsDir: join(root, "convex"),
    env: { CLERK_JWT_ISSUER_DOMAIN: issuer },
    log: () => undefined,
  });

  const publishableKey = `pk_test_${Buffer.from(`${stubHost}$`).toString("base64")}`;
  const settings: Record<string, string> = {
    CLERK_PUBLISHABLE_KEY: publishableKey,
    CLERK_SECRET_KEY: "sk_test_offline_stand_in",
    CLERK_JWT_KEY: clerkKeys.publicKey.export({ format: "pem", type: "spki" }).toString(),
    CLERK_API_URL: issuer,
    CLERK_JWT_TEMPLATE: options.jwtTemplate,
    CLERK_TELEMETRY_DISABLED: "1",
    CLERK_KEYLESS_DISABLED: "1",
    CONVEX_URL: backend.url,
  };
  const previousEnv = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);

  // Record the app's outbound requests; the server module is loaded after this.
  const outbound: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    outbound.push(input instanceof Request ? input.url : String(input));
    return realFetch(input, init);
  };
  const server = ((await import(pathToFileURL(SERVER_ENTRY).href)) as ServerEntry).default;

  const harness: ClerkHarness = {
    issuer,
    backend,
    calls,
    outbound,
    issuedTokens,
    failingSessions,
    handler: (request) => server.fetch(request),
    attackerKey: attacker.privateKey,
    fetch(path, { cookies = {}, document = true } = {}) {
      // Clerk treats text/html requests without Sec-Fetch-Dest as page loads too.
      const headers = new Headers({ accept: document ? "text/html" : "*/*" });
      const cookie = Object.entries(cookies)
        .map(([name, value]) => `${name}=${value}`)
        .join("; ");
      if (cookie) headers.set("cookie", cookie);
      if (document) {
        headers.set("sec-fetch-dest", "document");
        headers.set("sec-fetch-mode", "navigate");
        headers.set("sec-fetch-site", "none");
      }
      return server.fetch(new Request(`${APP_ORIGIN}${path}`, { headers, redirect: "manual" }));
    },
    sessionToken({ sub, sid, expiresIn = 60, audience, key }) {
      if (!key) sessions.set(sid, sub);
      return sign({ sid, azp: APP_ORIGIN, ...(audience ? { aud: audience } : {}) }, sub, expiresIn, key);
    },
    signedInCookies(sessionToken) {
      return {
        __session: sessionToken,
        // Clerk compares it with the token's iat: a client that signed in before the token was issued.
        __client_uat: String(nowSeconds() - 10),
        // Development instances need the dev browser cookie, or they answer with a handshake.
        __clerk_db_jwt: "dvb_offline",
      };
    },
    convexToken(userId, email) {
      return sign({ aud: "convex", ...(email ? { email } : {}) }, userId, 600);
    },
    async convexAs(userId) {
      return new ConvexHttpClient(backend.url, { auth: await harness.convexToken(userId) });
    },
    async close() {
      globalThis.fetch = realFetch;
      for (const [name, value] of Object.entries(previousEnv)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await backend.close();
      await new Promise<void>((resolve) => stub.close(() => resolve()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The part of a page the server rendered for the header (signed-in user or the sign-in link). */
export function headerOf(html: string): string {
  const start = html.indexOf('<header class="app-header"');
  return start === -1 ? "" : html.slice(start, html.indexOf("</header>", start));
}
