/**
 * A private copy of the product for tests that must restart the backend or configure the app
 * differently: `npm run backend` and `npm start` (pointed at it), on their own ports and data.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ManagedProcess, startNpmScript } from "../../support/processes";
import { keysDir } from "./env";

export interface PrivateStack {
  baseURL: string;
  backendURL: string;
  stopBackend(): Promise<void>;
  startBackend(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateStack(options: {
  appPort: number;
  backendPort: number;
  appEnv?: Record<string, string>;
  /** Where the app server and the browser reach Convex (e.g. a delay proxy); the backend by default. */
  convexUrl?: string;
}): Promise<PrivateStack> {
  const dataDir = mkdtempSync(join(tmpdir(), "clientele-e2e-"));
  const backendURL = `http://127.0.0.1:${options.backendPort}`;
  const baseURL = `http://127.0.0.1:${options.appPort}`;
  const shared = { LOCAL_AUTH_KEYS_DIR: keysDir, LOCAL_BACKEND_PORT: String(options.backendPort) };
  let backend: ManagedProcess | undefined;
  let app: ManagedProcess | undefined;

  const startBackend = async () => {
    backend = await startNpmScript({
      name: "backend",
      script: "backend",
      env: { ...shared, LOCAL_BACKEND_DATA_DIR: dataDir },
      readyUrl: `${backendURL}/version`,
      url: backendURL,
    });
  };
  const close = async () => {
    await app?.stop();
    await backend?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await startBackend();
    app = await startNpmScript({
      name: "app",
      script: "start",
      env: { ...shared, ...options.appEnv, PORT: String(options.appPort), VITE_CONVEX_URL: options.convexUrl ?? backendURL },
      readyUrl: `${baseURL}/`,
      url: baseURL,
      timeoutMs: 120_000,
    });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    baseURL,
    backendURL,
    startBackend,
    stopBackend: async () => {
      await backend?.stop();
      backend = undefined;
    },
    close,
  };
}
