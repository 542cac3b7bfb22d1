/**
 * Runs the local backend as a process: starts it, logs where it listens, and closes it cleanly
 * on SIGINT/SIGTERM. `scripts/backend.ts` (npm run backend) calls this; `npm start` can spawn
 * that script as a child process.
 */
import { startLocalBackend, type LocalBackend, type LocalBackendOptions } from "./index";

export async function runLocalBackendProcess(options: LocalBackendOptions): Promise<LocalBackend> {
  const log = options.log ?? ((m: string) => console.log(`[local-backend] ${m}`));
  const started = Date.now();
  const backend = await startLocalBackend({ ...options, log });
  log(`Convex-compatible backend ready at ${backend.url} (data: ${options.dataDir}, functions: ${options.functionsDir}, ${Date.now() - started} ms)`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    backend.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return backend;
}
