import { defineConfig, devices } from "@playwright/test";
import { appPort, backendPort, baseURL, chromiumPath, dataDir, keysDir } from "./tests/e2e/support/env";

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  // Two files at a time (each file's tests in order): much of a test is waiting (the network, a
  // token's expiry, a restart), and one at a time the suite came within a minute of CI's 15.
  // Tests share the one app and backend but never data (uniqueEmail); the files with stacks of
  // their own use ports of their own. No test asserts a duration: speed lives in `npm run bench`.
  workers: 2,
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
