/**
 * The REAL built server (`dist/server/server.js`, `npm run build` first) in local sign-in mode,
 * in this process, against a local backend on a free port with a fresh data and keys directory.
 * Sets the environment before the server module loads (app.config.ts reads it once).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadLocalIdentityProvider } from "../../app/auth/local/identity-provider.server";
import { encodeSession, type LocalSession, newSession, SESSION_COOKIE } from "../../app/auth/local/session.server";
import { type LocalBackend, startLocalBackend } from "../../local-backend/index";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SERVER_ENTRY = join(root, "dist/server/server.js");
/** The origin requests are addressed at (as a browser on `npm start` would). */
export const APP_ORIGIN = "http://127.0.0.1:5302";

export interface LocalServer {
  keysDir: string;
  backend: LocalBackend;
  handler: (request: Request) => Promise<Response>;
  /** A page load, as a browser's navigation sends it. */
  page(path: string, options?: { cookie?: string; method?: string; headers?: Record<string, string> }): Promise<Response>;
  /** Calls one of the built server's server functions by name (same-origin, as the app does). */
  serverFn(name: "getAuthState" | "signOut", cookie?: string): Promise<Response>;
  /** The cookie a browser holds after signing in as `email` (what `signInLocally` sets). */
  signedInCookie(email: string, session?: Partial<LocalSession>): Promise<{ cookie: string; session: LocalSession }>;
  close(): Promise<void>;
}

/** A server function's id in this build (ids are hashes the build assigns). */
function serverFnId(name: string): string {
  const assets = join(root, "dist/server/assets");
  for (const file of readdirSync(assets).filter((entry) => entry.startsWith("auth.functions-"))) {
    const match = new RegExp(`id: "([0-9a-f]+)",\\s*name: "${name}"`).exec(readFileSync(join(assets, file), "utf8"));
    if (match?.[1]) return match[1];
  }
  throw new Error(`no server function ${name} in ${assets}: rebuild with npm run build`);
}

export async function startLocalServer(env: Record<string, string> = {}): Promise<LocalServer> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` first.`);
  const dir = await mkdtemp(join(tmpdir(), "clientele-security-"));
  const keysDir = join(dir, "keys");
  const provider = await loadLocalIdentityProvider(keysDir);
  const backend = await startLocalBackend({
    port: 0,
    dataDir: join(dir, "data"),
    functionsDir: join(root, "convex"),
    env: { LOCAL_AUTH_ISSUER: provider.issuer, LOCAL_AUTH_JWKS: provider.jwksDataUri },
    log: () => undefined,
  });
  const settings: Record<string, string> = { LOCAL_AUTH_KEYS_DIR: keysDir, CONVEX_URL: backend.url, ...env };
  const previousEnv = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);
  const server = (
    (await import(pathToFileURL(SERVER_ENTRY).href)) as { default: { fetch: (request: Request) => Promise<Response> } }
  ).default;

  return {
    keysDir,
    backend,
    handler: (request) => server.fetch(request),
    page(path, { cookie, method = "GET", headers = {} } = {}) {
      return server.fetch(
        new Request(`${APP_ORIGIN}${path}`, {
          method,
          redirect: "manual",
          headers: {
            accept: "text/html",
            "sec-fetch-dest": "document",
            "sec-fetch-mode": "navigate",
            "sec-fetch-site": "none",
            ...(cookie ? { cookie } : {}),
            ...headers,
          },
        }),
      );
    },
    serverFn(name, cookie) {
      return server.fetch(
        new Request(`${APP_ORIGIN}/_serverFn/${serverFnId(name)}`, {
          method: name === "signOut" ? "POST" : "GET",
          headers: {
            "x-tsr-serverFn": "true",
            accept: "application/json",
            origin: APP_ORIGIN,
            "sec-fetch-site": "same-origin",
            ...(cookie ? { cookie } : {}),
          },
        }),
      );
    },
    async signedInCookie(email, overrides = {}) {
      const session = { ...newSession(email, 7 * 86_400), ...overrides };
      return { cookie: `${SESSION_COOKIE}=${encodeSession(session, provider.sessionSecret)}`, session };
    },
    async close() {
      for (const [name, value] of Object.entries(previousEnv)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
