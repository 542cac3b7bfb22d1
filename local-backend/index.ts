/**
 * The local Convex-compatible backend: `startLocalBackend()` loads a `convex/` directory,
 * opens the data directory, and serves Convex's HTTP API and WebSocket sync protocol on one port
 * (the cloud URL) and HTTP actions on another (the site URL), as a local Convex deployment does.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, watch, type FSWatcher } from "node:fs";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { join, resolve } from "node:path";
import type { Value } from "convex/values";
import { version as CONVEX_VERSION } from "convex";
import { WebSocketServer } from "ws";
import { actingAsIdentity, TokenVerifier } from "./runtime/auth";
import { Database } from "./database/database";
import { HttpApi } from "./protocol/http";
import { ByteBudget, IN_FLIGHT_BUDGET_BYTES, LimitedWebSocket, MAX_REQUEST_BYTES, meterIncoming } from "./protocol/limits";
import { ModuleLoader } from "./runtime/modules";
import { Runtime, type Caller } from "./runtime/runtime";
import { SyncServer } from "./protocol/sync";
import { HttpActions } from "./features/http-actions/http-actions";
import { VectorSearch } from "./features/vector-search/vector-search";
import { FileStorage } from "./features/file-storage/file-storage";
import { StorageHttp } from "./features/file-storage/http";
import { ComponentAddressing } from "./features/components/addressing";
import { CodegenEndpoints, sourceAnalyser } from "./features/components/codegen";
import { componentLoader } from "./features/components/loader";
import { checkCronJobs, CronJobs, type CronClock } from "./features/crons/crons";

export interface LocalBackendOptions {
  port: number;
  /** Port of the site URL, where HTTP actions are served (default: `port` + 1, as Convex's 3210 and 3211; 0 with `port` 0). */
  sitePort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  dataDir: string;
  /** The project's `convex/` directory. */
  functionsDir: string;
  /** The deployment's environment variables: functions' `process.env`, and auth.config.ts's. */
  env?: Record<string, string>;
  /** Rebuild and reload the functions when files in `functionsDir` change. */
  watch?: boolean;
  /** Where to log reloads and problems (default: console with a `[local-backend]` prefix). */
  log?: (message: string) => void;
  /** Longest a query or mutation may run before it fails (default 10 s): it holds the executor. */
  transactionTimeoutMs?: number;
  /** Longest an action may run before it fails (default as on Convex: 30 minutes, 10 for "use node" actions). */
  actionTimeoutMs?: number;
  /** The time cron jobs run by (default the system clock; tests move one by hand). */
  cronClock?: CronClock;
  /** Convex's CRON_SPLAY_SECONDS: how far into its minute a cron job may run, at random (default 60; 0 runs it on the minute). */
  cronSplaySeconds?: number;
  /** How often to send `Ping` on idle sync connections (default 15 s; the client gives up after 60 s). */
  pingIntervalMs?: number;
  /** Request bytes held at once across all connections before new ones are refused (default 4 × 16 MiB). */
  inFlightBudgetBytes?: number;
  /** Longest an upload to a `generateUploadUrl()` URL may take to arrive (default 2 minutes, as on Convex). */
  uploadTimeoutMs?: number;
}

export interface LocalBackend {
  url: string;
  port: number;
  /** Where HTTP actions are served (functions see it as CONVEX_SITE_URL). */
  siteUrl: string;
  sitePort: number;
  /** Admin key: `Authorization: Convex <adminKey>` may call internal functions (trusted tooling). */
  adminKey: string;
  /** Trusted fast path for seeding: inserts many documents in one commit. */
  bulkInsert(table: string, documents: Record<string, Value>[]): Promise<string[]>;
  close(): Promise<void>;
}

export const LOCAL_BACKEND_VERSION = "clientele-local-backend/1";

/** Reads the data directory's admin key, creating it (mode 600) on first run. */
export async function ensureAdminKey(dataDir: string): Promise<string> {
  const file = join(dataDir, "admin-key");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const key = `local|${randomBytes(32).toString("hex")}`;
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" }).catch(async () => undefined);
    await chmod(file, 0o600);
    return (await readFile(file, "utf8")).trim();
  }
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

let backendCounter = 0;

/**
 * The functions' `process.env`: the deployment's variables, and the URLs Convex sets for every
 * deployment (convex-backend crates/udf/src/environment.rs: CONVEX_CLOUD_URL, CONVEX_SITE_URL).
 */
function deploymentEnv(url: string, siteUrl: string, env: Record<string, string>): Record<string, string> {
  return { ...env, CONVEX_CLOUD_URL: url, CONVEX_SITE_URL: siteUrl };
}

/** Listens on `port` (0: any free one) and answers with the port it got; fails at once if it is taken. */
async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolvePromise());
  });
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
}

export async function startLocalBackend(options: LocalBackendOptions): Promise<LocalBackend> {
  const log = options.log ?? ((m: string) => console.log(`[local-backend] ${m}`));
  const dataDir = resolve(options.dataDir);
  const functionsDir = resolve(options.functionsDir);
  const envGlobal = `__localBackendEnv${process.pid}_${backendCounter++}`;

  // Listen first: the functions see their own URLs in process.env (even with port 0), and a port
  // in use fails at once. Until the functions are loaded, requests get 503 and sockets close.
  let ready: {
    request: (req: IncomingMessage, res: ServerResponse) => void;
    upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
    site: (req: IncomingMessage, res: ServerResponse) => void;
  } | null = null;
  const starting = (res: ServerResponse) => {
    res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" });
    res.end(JSON.stringify({ code: "BackendStarting", message: "The local backend is still loading its functions" }));
  };
  const server: Server = createServer((req, res) => (ready ? ready.request(req, res) : starting(res)));
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    ready ? ready.upgrade(req, socket, head) : socket.destroy(),
  );
  const siteServer: Server = createServer((req, res) => (ready ? ready.site(req, res) : starting(res)));
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, options.port, host);
  const closeServer = () => new Promise<void>((r) => server.close(() => r()));
  const closeSiteServer = () => new Promise<void>((r) => siteServer.close(() => r()));
  let sitePort: number;
  try {
    sitePort = await listen(siteServer, options.sitePort ?? (options.port === 0 ? 0 : options.port + 1), host);
  } catch (error) {
    await closeServer();
    throw error;
  }
  const origin = (p: number) => `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${p}`;
  const url = origin(port);
  const siteUrl = origin(sitePort);

  const started = performance.now();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const loader = new ModuleLoader(
    functionsDir,
    join(dataDir, "_build"),
    envGlobal,
    deploymentEnv(url, siteUrl, options.env ?? {}),
    componentLoader,
    checkCronJobs,
  );
  loader.clean();
  // esbuild bundles convex/ in its own process while this one reads the database.
  const loading = loader.load();
  loading.catch(() => undefined);
  const closeServers = () => Promise.all([closeServer(), closeSiteServer()]);
  let db: Database;
  try {
    db = new Database(dataDir);
  } catch (error) {
    await closeServers();
    throw error;
  }
  const loadedMs = performance.now() - started;
  let modules;
  try {
    modules = await loading;
  } catch (error) {
    db.close();
    await closeServers();
    throw error;
  }
  const adminKey = await ensureAdminKey(dataDir);
  log(
    `loaded ${db.documentCount} documents in ${Math.round(loadedMs)} ms; functions ready after ${Math.round(performance.now() - started)} ms`,
  );
  const runtime = new Runtime(
    db,
    modules,
    options.transactionTimeoutMs,
    options.actionTimeoutMs,
    ComponentAddressing.forDataDir(dataDir),
  );
  const vectorSearch = new VectorSearch(runtime);
  const storage = new StorageHttp(new FileStorage(runtime, { dataDir, url, log }), options.uploadTimeoutMs);
  let verifier = new TokenVerifier(modules.authProviders);
  await runtime.scheduler.resume();
  const crons = new CronJobs(runtime, {
    log,
    ...(options.cronClock ? { clock: options.cronClock } : {}),
    ...(options.cronSplaySeconds !== undefined ? { splaySeconds: options.cronSplaySeconds } : {}),
  });
  await runtime.serial(() => crons.apply(modules));

  const admin = (key: string, impersonating: unknown): Caller | null => {
    if (!sameKey(key, adminKey)) return null;
    return {
      identity: impersonating === undefined || impersonating === null ? null : actingAsIdentity(impersonating),
      allowInternal: true,
      admin: true,
    };
  };
  const budget = new ByteBudget(options.inFlightBudgetBytes ?? IN_FLIGHT_BUDGET_BYTES);
  const sync = new SyncServer(runtime, db, () => verifier, admin, budget, options.pingIntervalMs);
  const api = new HttpApi(runtime, () => verifier, admin, LOCAL_BACKEND_VERSION, budget);
  // The Convex CLI's codegen for an app with components asks a deployment to analyse it.
  const codegen = new CodegenEndpoints(
    sourceAnalyser(
      new ModuleLoader(
        functionsDir,
        join(dataDir, "_analysis"),
        envGlobal,
        deploymentEnv(url, siteUrl, options.env ?? {}),
        componentLoader,
      ),
    ),
    (authorization) => authorization?.startsWith("Convex ") === true && sameKey(authorization.slice(7).trim(), adminKey),
    CONVEX_VERSION,
  );
  const httpActions = new HttpActions(runtime, () => verifier, admin, budget, log);
  const site = (req: IncomingMessage, res: ServerResponse, target?: string) => {
    httpActions.handle(req, res, target).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ code: "InternalServerError", message: String(error) }));
      } else res.destroy();
    });
  };

  const request = (req: IncomingMessage, res: ServerResponse) => {
    // As on self-hosted Convex, `/http/…` on the cloud URL is an HTTP action's path, before any
    // other route (and before its dot segments are resolved).
    if (req.url?.startsWith("/http/")) return site(req, res, req.url.slice("/http".length));
    storage
      .handle(req, res)
      .then(async (handled) => handled || (await api.handle(req, res)))
      .then(async (handled) => handled || (await codegen.handle(req, res)))
      .then((handled) => {
        if (!handled && !res.headersSent) {
          res.writeHead(404, { "Content-Type": "application/json" });
          res.end(
            JSON.stringify({
              code: "NotFound",
              message: `No route for ${req.method} ${req.url}. This URL serves Convex's HTTP API and sync protocol; HTTP actions (convex/http.ts) are served at ${siteUrl}.`,
            }),
          );
        }
      })
      .catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ code: "InternalServerError", message: String(error) }));
        }
      });
  };
  // A message longer than Convex accepts is refused from its frame header, before its payload
  // is buffered (close 1009 with the limit as the reason).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES, WebSocket: LimitedWebSocket });
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (!/^\/api\/[^/]+\/sync$/.test(path)) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      meterIncoming(ws, socket as Socket, budget);
      sync.accept(ws);
    });
  };

  let watcher: FSWatcher | null = null;
  if (options.watch) {
    let timer: NodeJS.Timeout | null = null;
    let reloading: Promise<void> = Promise.resolve();
    watcher = watch(functionsDir, { recursive: true }, (_event, file) => {
      if (file && (file.startsWith("_generated") || file.includes("node_modules"))) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        reloading = reloading.then(async () => {
          try {
            const next = await loader.load();
            verifier = new TokenVerifier(next.authProviders);
            await runtime.serial(async () => {
              runtime.setModules(next);
              await crons.apply(next);
              // As after a Convex push: every subscription re-runs against the new code.
              await sync.rerunAll();
            });
            log(`reloaded ${next.functions.size} functions from ${functionsDir}`);
          } catch (error) {
            log(`failed to reload functions: ${error instanceof Error ? error.message : String(error)}`);
          }
        });
      }, 150);
    });
  }

  ready = { request, upgrade, site: (req, res) => site(req, res) };
  // Sort the indexes right away (queries wait for it in the executor); build search indexes a
  // little later, off the start-up path (the first search builds them if it comes sooner).
  setImmediate(() => void runtime.serial(async () => db.warmIndexes()));
  setTimeout(() => void runtime.serial(async () => db.warmSearch()), 1000).unref();
  setTimeout(() => void vectorSearch.warm().catch((error: unknown) => log(`vector indexes: ${String(error)}`)), 1000).unref();

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    siteUrl,
    sitePort,
    adminKey,
    bulkInsert: (table, documents) => runtime.bulkInsert(table, documents),
    close() {
      closing ??= (async () => {
        watcher?.close();
        crons.close();
        sync.close();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        siteServer.closeAllConnections();
        await closeServers();
        await runtime.close();
        db.close();
      })();
      return closing;
    },
  };
}
