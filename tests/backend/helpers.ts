import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll } from "vitest";
import { startLocalBackend, type LocalBackend, type LocalBackendOptions } from "../../local-backend/index";

export const FIXTURE_FUNCTIONS = fileURLToPath(new URL("./fixtures/convex", import.meta.url));
export const ISSUER = "https://auth.test.local";

export interface TestKeys {
  privateKey: CryptoKey;
  jwksDataUri: string;
}

export async function makeKeys(): Promise<TestKeys> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  const jwksDataUri = `data:application/json;base64,${Buffer.from(JSON.stringify({ keys: [jwk] })).toString("base64")}`;
  return { privateKey, jwksDataUri };
}

export async function signToken(
  keys: TestKeys,
  subject: string,
  options: { issuer?: string; audience?: string; expiresIn?: string | number; claims?: Record<string, unknown> } = {},
): Promise<string> {
  return await new SignJWT({ ...(options.claims ?? {}) })
    .setProtectedHeader({ alg: "RS256", kid: "test-key" })
    .setSubject(subject)
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? "convex")
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "1h")
    .sign(keys.privateKey);
}

export async function tempDir(prefix = "local-backend-"): Promise<string> {
  return await mkdtemp(join(tmpdir(), prefix));
}

/**
 * A copy of a functions directory for a test to edit, as `<copy>/convex`, inside the project
 * (git-ignored .local/) so that its imports resolve the project's node_modules.
 */
export async function copyFunctions(from: string): Promise<{ functionsDir: string; remove: () => Promise<void> }> {
  const local = fileURLToPath(new URL("../../.local", import.meta.url));
  await mkdir(local, { recursive: true });
  const root = await mkdtemp(join(local, "functions-"));
  const functionsDir = join(root, "convex");
  await cp(from, functionsDir, { recursive: true });
  return { functionsDir, remove: () => rm(root, { recursive: true, force: true }) };
}

export interface TestBackend extends LocalBackend {
  dataDir: string;
  destroy(): Promise<void>;
}

/** Starts a backend on a free port over the fixture functions, in a fresh (or given) data dir. */
export async function startTestBackend(
  options: {
    env?: Record<string, string>;
    dataDir?: string;
    functionsDir?: string;
    watch?: boolean;
    pingIntervalMs?: number;
    transactionTimeoutMs?: number;
    actionTimeoutMs?: number;
    uploadTimeoutMs?: number;
    inFlightBudgetBytes?: number;
    /** Both 0 (free ports) unless given. */
    port?: number;
    sitePort?: number;
  } & Pick<LocalBackendOptions, "cronClock" | "cronSplaySeconds" | "log"> = {},
): Promise<TestBackend> {
  const dataDir = options.dataDir ?? (await tempDir());
  const backend = await startLocalBackend({
    port: options.port ?? 0,
    sitePort: options.sitePort ?? 0,
    dataDir,
    functionsDir: options.functionsDir ?? FIXTURE_FUNCTIONS,
    env: options.env ?? {},
    watch: options.watch ?? false,
    log: options.log ?? (() => undefined),
    ...(options.cronClock ? { cronClock: options.cronClock } : {}),
    ...(options.cronSplaySeconds !== undefined ? { cronSplaySeconds: options.cronSplaySeconds } : {}),
    ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
    ...(options.transactionTimeoutMs !== undefined ? { transactionTimeoutMs: options.transactionTimeoutMs } : {}),
    ...(options.actionTimeoutMs !== undefined ? { actionTimeoutMs: options.actionTimeoutMs } : {}),
    ...(options.uploadTimeoutMs !== undefined ? { uploadTimeoutMs: options.uploadTimeoutMs } : {}),
    ...(options.inFlightBudgetBytes !== undefined ? { inFlightBudgetBytes: options.inFlightBudgetBytes } : {}),
  });
  return {
    ...backend,
    dataDir,
    async destroy() {
      await backend.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const CHILD_BACKEND = fileURLToPath(new URL("./fixtures/child-backend.ts", import.meta.url));

/**
 * A backend over the fixture functions in a process of its own, for tests that kill it with
 * SIGKILL: `kill9()` kills it (if it still runs) and resolves once it is gone.
 */
export async function spawnBackend(dataDir: string): Promise<{ url: string; kill9: () => Promise<void> }> {
  // One process (node with tsx as a loader), not the tsx CLI: the CLI runs the script in a
  // grandchild that SIGKILL on the CLI would leave running, so nothing would really be killed.
  const child = spawn(process.execPath, ["--import", "tsx", CHILD_BACKEND, dataDir, FIXTURE_FUNCTIONS], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill9 = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  }).catch(async (error: unknown) => {
    await kill9();
    throw error;
  });
  return { url: (JSON.parse(line) as { url: string }).url, kill9 };
}

/**
 * What `start` makes, for one file's tests: started before them, its backend destroyed after
 * them. Its fields are set in beforeAll, so read them in tests and hooks.
 */
function perFile<T extends { backend: TestBackend }>(start: () => Promise<T>): T {
  const fixture = {} as T;
  beforeAll(async () => {
    Object.assign(fixture, await start());
  });
  afterAll(async () => {
    await fixture.backend?.destroy();
  });
  return fixture;
}

/** A backend over the fixture functions for one file's tests, with an HTTP client. */
export function fixtureBackend(): { backend: TestBackend; http: ConvexHttpClient } {
  return perFile(async () => {
    const backend = await startTestBackend();
    return { backend, http: new ConvexHttpClient(backend.url) };
  });
}

/** Like fixtureBackend(), with the fixtures' auth.config trusting tokens signed with `keys` (signToken). */
export function fixtureBackendWithAuth(): { backend: TestBackend; http: ConvexHttpClient; keys: TestKeys } {
  return perFile(async () => {
    const keys = await makeKeys();
    const backend = await startTestBackend({ env: { TEST_ISSUER: ISSUER, TEST_JWKS: keys.jwksDataUri } });
    return { backend, http: new ConvexHttpClient(backend.url), keys };
  });
}

/** Resolves when `check` returns a truthy value (polling), or rejects after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { adminClient, type AdminAuthCapable, asPublic } from "../support/admin-client";

export const PROJECT_FUNCTIONS = fileURLToPath(new URL("../../convex", import.meta.url));

/** A project with components: local ones (counter, tally) and the real npm rate limiter and aggregate. */
export const COMPONENTS_PROJECT = fileURLToPath(new URL("./fixtures/components", import.meta.url));
/** The deployment's environment for it: the app's variables, which its components must not see. */
export const COMPONENTS_ENV = { APP_GREETING: "hello from the app", APP_SECRET: "the app's secret" };

/** A backend over the components project for one file's tests, with an HTTP client. */
export function componentsBackend(): { backend: TestBackend; http: ConvexHttpClient } {
  return perFile(async () => {
    const backend = await startTestBackend({ functionsDir: join(COMPONENTS_PROJECT, "convex"), env: COMPONENTS_ENV });
    return { backend, http: new ConvexHttpClient(backend.url) };
  });
}

/** The project's own convex/ on a fresh backend that trusts tokens signed with `keys`. */
export async function startProjectBackend(keys: TestKeys): Promise<TestBackend> {
  return await startTestBackend({
    functionsDir: PROJECT_FUNCTIONS,
    env: { LOCAL_AUTH_ISSUER: ISSUER, LOCAL_AUTH_JWKS: keys.jwksDataUri },
  });
}

/** The project's own convex/ for one file's tests, with the keys its users' tokens are signed with. */
export function projectBackend(): { backend: TestBackend; keys: TestKeys } {
  return perFile(async () => {
    const keys = await makeKeys();
    return { backend: await startProjectBackend(keys), keys };
  });
}

/** The server's text inside the client's "[CONVEX Q(path)] … Called by client" (browser/logging.ts). */
export function serverText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^\[CONVEX [QMA]\([^)]*\)\] /, "").replace(/\n {2}Called by client$/, "");
}
