/**
 * `npm start` (production build) and `npm run dev` (Vite dev server): the whole product on
 * this machine. Builds when the sources changed, starts the embedded local backend (unless a
 * Convex URL is configured), then serves the app on PORT.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerMiddleware, serve } from "srvx";
import { staticMiddleware } from "srvx/static";
import { createServer } from "vite";
import { buildIfNeeded } from "./lib/build";
import { configOrExit } from "./lib/config";
import { runMigrations } from "./lib/migrate";

const root = fileURLToPath(new URL("..", import.meta.url));
const dev = process.argv.includes("--dev");
// The production build runs React's production server renderer (the development one is
// several times slower); set before the configuration is read, so both agree.
process.env.NODE_ENV ??= dev ? "development" : "production";
const config = configOrExit();

/** The local backend as a child process: its own event loop (and core) beside the app server's. */
async function startLocalBackend(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", "--import", "tsx", "scripts/backend.ts", ...(dev ? ["--watch"] : [])],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  const readyUrl = `${config.convex.url}/version`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ready = await fetch(readyUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) {
      child.once("exit", (code) => {
        console.error(`[clientele] The local backend exited (code ${code}); stopping.`);
        process.exit(1);
      });
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  console.error(`[clientele] The local backend did not start on port ${config.localBackend.port}; see its output above.`);
  process.exit(1);
}

/** Brings older data up to the current schema (docs/decisions/011, 013) before any page is served. */
async function migrateLocalData() {
  const adminKey = readFileSync(resolve(root, config.localBackend.dataDir, "admin-key"), "utf8").trim();
  try {
    const { customersToWorkspaces, customersBackfill } = await runMigrations(config.convex.url, adminKey);
    if (customersToWorkspaces > 0)
      console.log(`[clientele] Moved ${customersToWorkspaces} customers into their owners' personal workspaces.`);
    if (customersBackfill > 0)
      console.log(`[clientele] Counted ${customersBackfill} customers written before the status counts.`);
  } catch (error) {
    console.error(`[clientele] The data migration failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

const DEMO_EMAIL = "demo@example.com";
const DEMO_CUSTOMERS = 120;

/** First run on a data directory: give the demo user some customers to look at. */
function seedDemoDataOnFirstRun() {
  const marker = resolve(root, config.localBackend.dataDir, ".demo-seeded");
  if (existsSync(marker) || config.auth.mode !== "local") return;
  const seeded = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/seed.ts", "--email", DEMO_EMAIL, "--count", String(DEMO_CUSTOMERS)],
    { cwd: root, stdio: "inherit" },
  );
  if (seeded.status === 0) writeFileSync(marker, `${new Date().toISOString()}\n`);
  else console.error("[clientele] Seeding the demo data failed; the app runs without it.");
}

/**
 * The build's static files. Pages never touch the disk: only paths under one of dist/client's
 * top-level entries (assets/, and public/'s files) are looked up. Hashed assets are cached for
 * good; public/'s files keep their names across builds, so caches check back within a day.
 */
function staticFiles(dir: string): ServerMiddleware {
  const entries = new Set(readdirSync(dir));
  // The build wrote .br and .gz copies (vite.config.ts): served as they are, not compressed per request.
  const serveFile = staticMiddleware({ dir, encodings: { br: ".br", gzip: ".gz" } });
  return async (request, next) => {
    const firstSegment = new URL(request.url).pathname.split("/")[1] ?? "";
    if (!entries.has(firstSegment)) return next();
    const response = await serveFile(request, next);
    // Pages get the full set in app/server.ts; files must not be sniffed into another type.
    response.headers.set("x-content-type-options", "nosniff");
    if (!response.ok) return response;
    const hashed = firstSegment === "assets";
    response.headers.set("cache-control", hashed ? "public, max-age=31536000, immutable" : "public, max-age=86400");
    if (firstSegment.endsWith(".webmanifest")) response.headers.set("content-type", "application/manifest+json");
    return response;
  };
}

async function serveProduction() {
  const entry = (await import(`${root}dist/server/server.js`)) as { default: { fetch: (request: Request) => Promise<Response> } };
  const server = serve({
    port: config.port,
    hostname: config.host,
    silent: true,
    middleware: [staticFiles(`${root}dist/client`)],
    fetch: entry.default.fetch,
  });
  await server.ready();
  return { url: server.url ?? `http://${config.host}:${config.port}/`, close: () => server.close() };
}

async function serveDevelopment() {
  const server = await createServer({ root, server: { port: config.port, host: config.host, strictPort: true } });
  await server.listen();
  return { url: server.resolvedUrls?.local[0] ?? `http://${config.host}:${config.port}/`, close: () => server.close() };
}

if (!dev) buildIfNeeded(root);
const backend = config.convex.local ? await startLocalBackend() : null;
// However this process ends, the backend it started ends with it.
process.once("exit", () => backend?.kill());
if (backend) {
  await migrateLocalData();
  seedDemoDataOnFirstRun();
}
const app = dev ? await serveDevelopment() : await serveProduction();
console.log(`[clientele] Serving ${dev ? "the dev server" : "the production build"} at ${app.url}`);
console.log(`[clientele] Convex: ${config.convex.url}  auth: ${config.auth.mode}  preload: ${config.preload || "off"}`);
if (backend) console.log(`[clientele] Sign in as ${DEMO_EMAIL} to see the demo customers.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    backend?.removeAllListeners("exit");
    backend?.kill(signal);
    void app.close().finally(() => process.exit(0));
  });
}
