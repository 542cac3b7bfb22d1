/**
 * `npm start` (production build) and `npm run dev` (Vite dev server): the whole product on
 * this machine. Builds when the sources changed, then serves the app on PORT.
 */
import { fileURLToPath } from "node:url";
import { serve } from "srvx";
import { staticMiddleware } from "srvx/static";
import { createServer } from "vite";
import { buildIfNeeded } from "./lib/build";
import { configOrExit } from "./lib/config";

const root = fileURLToPath(new URL("..", import.meta.url));
const dev = process.argv.includes("--dev");
const config = configOrExit();

async function serveProduction() {
  buildIfNeeded(root);
  const entry: { default: { fetch: (request: Request) => Promise<Response> } } = await import(
    `${root}dist/server/server.js`
  );
  const server = serve({
    port: config.port,
    hostname: config.host,
    silent: true,
    middleware: [staticMiddleware({ dir: `${root}dist/client` })],
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

const app = dev ? await serveDevelopment() : await serveProduction();
console.log(`[clientele] Serving ${dev ? "the dev server" : "the production build"} at ${app.url}`);
console.log(`[clientele] Convex: ${config.convex.url}  auth: ${config.auth.mode}  preload: ${config.preload || "off"}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await app.close();
    process.exit(0);
  });
}
