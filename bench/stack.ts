/**
 * The benchmark's own copy of the product: one local backend on a fresh data directory, a delay
 * proxy in front of it, and app servers (one per configuration compared), all started through
 * npm as users do. The app servers and the browser reach Convex through the proxy alike, so a
 * delay set on it is a distance to Convex for both.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from "@playwright/test";
import { buildIfNeeded } from "../scripts/lib/build";
import { chromiumPath } from "../tests/e2e/support/env";
import { type DelayProxy, startDelayProxy } from "../tests/support/delay-proxy";
import { type ManagedProcess, startNpmScript } from "../tests/support/processes";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface BenchStack {
  /** The backend itself, for seeding and for clients that are not measured. */
  backendUrl: string;
  /** The backend's process group (its memory is read through it). */
  backendProcessGroup: number;
  /** What the app servers and the browser use as the Convex URL. */
  proxy: DelayProxy;
  keysDir: string;
  /** App servers by name. */
  apps: Record<string, ManagedProcess>;
  browser: Browser;
  seed(email: string, count: number): void;
  token(email: string): string;
  signedInContext(appUrl: string, email: string): Promise<BrowserContext>;
  /**
   * A new context with only the session of `signedIn`: empty HTTP and code caches, as a visitor
   * who signed in earlier opens a new tab. `options` emulates a device (viewport, touch).
   */
  freshContext(appUrl: string, signedIn: BrowserContext, options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

function runNpm(args: string[], env: Record<string, string>): string {
  const result = spawnSync("npm", ["run", "--silent", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`npm run ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout.trim();
}

export async function startBenchStack(options: {
  backendPort: number;
  proxyPort: number;
  /** App servers by name; `cwd` runs one from another checkout (its own `npm start`). */
  apps: Record<string, { port: number; env?: Record<string, string>; cwd?: string }>;
}): Promise<BenchStack> {
  buildIfNeeded(root);
  const workDir = mkdtempSync(join(tmpdir(), "clientele-bench-"));
  const keysDir = join(workDir, "keys");
  const backendUrl = `http://127.0.0.1:${options.backendPort}`;
  const shared = { LOCAL_AUTH_KEYS_DIR: keysDir, LOCAL_BACKEND_PORT: String(options.backendPort) };

  const started: ManagedProcess[] = [];
  let browser: Browser | undefined;
  let proxy: DelayProxy | undefined;
  const close = async () => {
    await browser?.close();
    await Promise.all(started.map((process) => process.stop()));
    await proxy?.close();
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    started.push(
      await startNpmScript({
        name: "local backend",
        script: "backend",
        env: { ...shared, LOCAL_BACKEND_DATA_DIR: join(workDir, "data") },
        readyUrl: `${backendUrl}/version`,
        url: backendUrl,
      }),
    );
    proxy = await startDelayProxy({ target: backendUrl, port: options.proxyPort });
    const convexUrl = proxy.url;
    const apps: Record<string, ManagedProcess> = {};
    for (const [name, app] of Object.entries(options.apps)) {
      const url = `http://127.0.0.1:${app.port}`;
      apps[name] = await startNpmScript({
        name: `app (${name})`,
        script: "start",
        // An app's own CONVEX_URL (the backend itself) takes it out from behind the proxy.
        env: { ...shared, PORT: String(app.port), CONVEX_URL: convexUrl, ...app.env },
        readyUrl: `${url}/`,
        url,
        // A checkout started for the first time builds itself first.
        timeoutMs: 300_000,
        ...(app.cwd ? { cwd: app.cwd } : {}),
      });
      started.push(apps[name]);
    }
    browser = await chromium.launch({
      ...(chromiumPath ? { executablePath: chromiumPath } : {}),
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-quic"],
    });
    const launched = browser;
    const newContext = async (contextOptions: BrowserContextOptions) => {
      const context = await launched.newContext(contextOptions);
      // tsx compiles with keepNames, wrapping named functions in __name(); functions passed to
      // page.evaluate run in the page, which has no such helper.
      await context.addInitScript("globalThis.__name = (fn) => fn");
      return context;
    };

    return {
      backendUrl,
      backendProcessGroup: started[0]!.processGroup,
      proxy,
      keysDir,
      apps,
      browser: launched,
      seed: (email, count) => {
        runNpm(["seed", "--", "--email", email, "--count", String(count)], { ...shared, CONVEX_URL: backendUrl });
      },
      token: (email) => runNpm(["token", "--", email], shared),
      signedInContext: async (appUrl, email) => {
        const context = await newContext({ baseURL: appUrl });
        const page = await context.newPage();
        await page.goto("/sign-in");
        await page.getByLabel("Email").fill(email);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL(/\/customers/);
        await page.close();
        return context;
      },
      freshContext: async (appUrl, signedIn, options) =>
        await newContext({ ...options, baseURL: appUrl, storageState: await signedIn.storageState() }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The stack for comparing preloading on and off: two app servers of this tree, `intent` with
 * `PRELOAD=intent` and `off` with `PRELOAD=off`, on five ports from `basePort` (the backend's
 * site port, for HTTP actions, is the one after the backend's).
 */
export async function startPreloadComparisonStack(basePort: number): Promise<BenchStack> {
  return await startBenchStack({
    backendPort: basePort,
    proxyPort: basePort + 4,
    apps: {
      intent: { port: basePort + 2, env: { PRELOAD: "intent" } },
      off: { port: basePort + 3, env: { PRELOAD: "off" } },
    },
  });
}
