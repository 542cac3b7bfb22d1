import { defineConfig, devices } from "@playwright/test";
import { appPort, backendPort, baseURL, chromiumPath, dataDir, keysDir } from "./tests/e2e/support/env";

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  // Two cores: one browser at a time keeps timings honest and the suite deterministic.
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? "line" : "list",
  timeout: 30_000,
  use: {
    baseURL,
    trace: "retain-on-failure",
    ...devices["Desktop Chrome"],
    launchOptions: {
      ...(chromiumPath ? { executablePath: chromiumPath } : {}),
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    // Through npm so node_modules/.bin (and the pinned Node 22) is on PATH.
    command: "npm start",
    url: `${baseURL}/`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      PORT: String(appPort),
      LOCAL_BACKEND_PORT: String(backendPort),
      LOCAL_BACKEND_DATA_DIR: dataDir,
      LOCAL_AUTH_KEYS_DIR: keysDir,
    },
  },
});
