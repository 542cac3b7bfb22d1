/**
 * Issue 11.6: storage failures say what happened.
 * - A write that fails (here: the process may not grow a file past a few MB, `ulimit -f`, which
 *   works for root as well) reports SQLite's own error, not "cannot rollback - no transaction is
 *   active"; the failed mutation leaves nothing behind and the backend keeps serving.
 * - A data directory that cannot be written stops start-up with one line naming
 *   LOCAL_BACKEND_DATA_DIR, not a stack trace (here: a path below a regular file, which no user,
 *   root included, can create directories in).
 * - A database file truncated to 0 bytes next to a write-ahead log that holds data stops
 *   start-up, naming the file and what to do, and leaves the log untouched.
 */
import { copyFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, describe, expect, it } from "vitest";
import { api } from "../backend/fixtures/convex/_generated/api";
import { startTestBackend, tempDir } from "../backend/helpers";
import { runBackend, stopBackendProcesses } from "./fixtures/run-backend-process";

const roots: string[] = [];
afterAll(async () => {
  stopBackendProcesses();
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await tempDir();
  roots.push(dir);
  return dir;
}

// Each test starts a backend process (esbuild, tsx): slow on a loaded machine, so a generous limit.
const STARTS = { timeout: 120_000 };

describe("a write that fails", STARTS, () => {
  it("reports SQLite's error, rolls the mutation back and keeps serving", async () => {
    const run = runBackend(await freshDir(), 4096);
    const started = await run.outcome;
    if (!("url" in started)) throw new Error(`backend did not start: ${started.stderr}`);
    const client = new ConvexHttpClient(started.url);
    let committed = 0;
    let failure: string | null = null;
    // Documents of about 600 KB: the write-ahead log passes 4 MB within a few commits.
    for (let i = 0; i < 40 && failure === null; i++) {
      try {
        await client.mutation(api.contacts.add, { owner: "full", name: `n${i}`, email: "x".repeat(300 * 1024) });
        committed++;
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
    }
    expect(failure).not.toBeNull();
    expect(failure).toMatch(/Commit failed: disk I\/O error/);
    expect(failure).not.toMatch(/cannot rollback/);
    const names = await client.query(api.contacts.listByOwner, { owner: "full" });
    expect(names).toHaveLength(committed);
    run.child.kill("SIGKILL");
  });
});

describe("start-up on unusable storage", STARTS, () => {
  it("names LOCAL_BACKEND_DATA_DIR in one line when the data directory cannot be created", async () => {
    const root = await freshDir();
    const file = join(root, "not-a-directory");
    await writeFile(file, "");
    const stopped = await runBackend(join(file, "data")).outcome;
    expect(stopped).toMatchObject({ code: 1 });
    const { stderr } = stopped as { stderr: string };
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain(
      `[local-backend] Cannot use the data directory ${join(file, "data")} (LOCAL_BACKEND_DATA_DIR): ENOTDIR`,
    );
    expect(stderr).toContain("Set LOCAL_BACKEND_DATA_DIR to a directory this user can write.");
  });

  it("refuses a database truncated to 0 bytes next to its write-ahead log", async () => {
    // A live backend's files, copied mid-run: the log holds the commits.
    const live = await startTestBackend();
    roots.push(live.dataDir);
    await new ConvexHttpClient(live.url).mutation(api.contacts.add, { owner: "wal", name: "kept", email: "k@x" });
    const dataDir = await freshDir();
    for (const suffix of ["", "-wal", "-shm"])
      await copyFile(join(live.dataDir, `convex.sqlite3${suffix}`), join(dataDir, `convex.sqlite3${suffix}`));
    await live.close();
    const db = join(dataDir, "convex.sqlite3");
    await truncate(db, 0);
    const walSize = (await stat(`${db}-wal`)).size;
    expect(walSize).toBeGreaterThan(0);

    const stopped = await runBackend(dataDir).outcome;
    expect(stopped).toMatchObject({ code: 1 });
    const { stderr } = stopped as { stderr: string };
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain(`The database ${db} is empty (0 bytes) but its write-ahead log ${db}-wal holds ${walSize} bytes`);
    expect(stderr).toContain(`Restore ${db} from a backup`);
    expect((await stat(`${db}-wal`)).size).toBe(walSize);
    expect((await stat(db)).size).toBe(0);
  });
});
