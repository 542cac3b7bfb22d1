/**
 * `npm run backend`: the local Convex-compatible backend on LOCAL_BACKEND_PORT, persisting in
 * LOCAL_BACKEND_DATA_DIR, running the functions in convex/. `--watch` reloads them on change.
 */
import { getConfig } from "../app.config";
import { runLocalBackendProcess } from "../local-backend/main";

const config = getConfig();

/** The deployment's environment: what convex/ functions and auth.config.ts see as process.env. */
const deploymentEnv: Record<string, string> = {};

await runLocalBackendProcess({
  port: config.localBackend.port,
  host: "127.0.0.1",
  dataDir: config.localBackend.dataDir,
  functionsDir: "convex",
  env: deploymentEnv,
  watch: process.argv.includes("--watch"),
});
