/**
 * Where the browser suite's servers run. playwright.config.ts sets these once in the main
 * process; its workers inherit them, so every file sees the same run.
 */
import { existsSync } from "node:fs";

function setting(name: string, fallback: string): string {
  process.env[name] ??= fallback;
  return process.env[name];
}

export const e2eRunId = setting("E2E_RUN_ID", `${Date.now()}-${process.pid}`);
export const appPort = Number(setting("E2E_PORT", "3100"));
export const backendPort = Number(setting("E2E_BACKEND_PORT", "3310"));
export const baseURL = `http://127.0.0.1:${appPort}`;
export const backendURL = `http://127.0.0.1:${backendPort}`;
/** A fresh data directory per run: tests never see an earlier run's rows. */
export const dataDir = `.local/e2e/${e2eRunId}/data`;
export const keysDir = ".local/e2e/keys";

/** Debian's Chromium when present (CI installs it with apt); Playwright's own browser otherwise. */
export const chromiumPath = existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
