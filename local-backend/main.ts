/**
 * Runs the local backend as a process: starts it, logs where it listens, and closes it cleanly
 * on SIGINT/SIGTERM. `scripts/backend.ts` (npm run backend) calls this; `npm start` can spawn
 * that script as a child process.
 */
import { DataDirectoryError } from "./database/database";
import { startLocalBackend, type LocalBackend, type LocalBackendOptions } from "./index";

/** File-system errors that mean the data directory cannot be written (read-only, not a directory, full, …). */
const UNUSABLE_DIRECTORY = new Set(["EROFS", "EACCES", "EPERM", "ENOTDIR", "EEXIST", "EISDIR", "ENOSPC", "EDQUOT"]);
/** SQLite's SQLITE_READONLY and SQLITE_CANTOPEN. */
const UNUSABLE_DATABASE = new Set([8, 14]);

/** One line saying why the data directory cannot be used and what to do, or null for other errors. */
function dataDirectoryProblem(error: unknown, dataDir: string): string | null {
  if (error instanceof DataDirectoryError) return error.message;
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  const unusable =
    (typeof code === "string" && UNUSABLE_DIRECTORY.has(code)) || (typeof errcode === "number" && UNUSABLE_DATABASE.has(errcode));
  if (!unusable) return null;
  const reason = error instanceof Error ? error.message : String(error);
  return `Cannot use the data directory ${dataDir} (LOCAL_BACKEND_DATA_DIR): ${reason}. Set LOCAL_BACKEND_DATA_DIR to a directory this user can write.`;
}

export async function runLocalBackendProcess(options: LocalBackendOptions): Promise<LocalBackend> {
  const log = options.log ?? ((m: string) => console.log(`[local-backend] ${m}`));
  const started = Date.now();
  let backend: LocalBackend;
  try {
    backend = await startLocalBackend({ ...options, log });
  } catch (error) {
    const problem = dataDirectoryProblem(error, options.dataDir);
    if (problem === null) throw error;
    console.error(`[local-backend] ${problem}`);
    process.exit(1);
  }
  log(
    `Convex-compatible backend ready at ${backend.url}, HTTP actions at ${backend.siteUrl} (data: ${options.dataDir}, functions: ${options.functionsDir}, ${Date.now() - started} ms)`,
  );
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
