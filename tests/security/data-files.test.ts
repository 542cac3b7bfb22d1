/**
 * Issue 11.9: the local backend's data is readable by its owner only: the data directory is 700
 * and the SQLite database with its -wal and -shm files are 600 (the admin key already was), on a
 * fresh data directory and on one an earlier version left readable by others.
 */
import { chmod, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, describe, expect, it } from "vitest";
import { api } from "../backend/fixtures/convex/_generated/api";
import { startTestBackend, tempDir } from "../backend/helpers";

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function mode(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

async function modes(dataDir: string): Promise<Record<string, string>> {
  const db = join(dataDir, "convex.sqlite3");
  return {
    dir: await mode(dataDir),
    db: await mode(db),
    wal: await mode(`${db}-wal`),
    shm: await mode(`${db}-shm`),
    adminKey: await mode(join(dataDir, "admin-key")),
  };
}

/** Starts a backend on `dataDir`, commits one write (so the WAL holds data) and stops it. */
async function runOnce(dataDir: string): Promise<Record<string, string>> {
  const backend = await startTestBackend({ dataDir });
  try {
    await new ConvexHttpClient(backend.url).mutation(api.contacts.add, { owner: "modes", name: "M", email: "m@x" });
    return await modes(dataDir);
  } finally {
    await backend.close();
  }
}

const OWNER_ONLY = { dir: "700", db: "600", wal: "600", shm: "600", adminKey: "600" };

describe("data file modes", () => {
  it("creates the data directory 700 and the database, WAL and shared memory 600", async () => {
    const root = await tempDir();
    roots.push(root);
    // A directory that does not exist yet, as on a first `npm start`.
    expect(await runOnce(join(root, "nested", "data"))).toEqual(OWNER_ONLY);
  });

  it("tightens a data directory an earlier version left readable by others", async () => {
    const root = await tempDir();
    roots.push(root);
    const dataDir = join(root, "data");
    await runOnce(dataDir);
    const db = join(dataDir, "convex.sqlite3");
    await chmod(dataDir, 0o755);
    for (const file of [db, `${db}-wal`, `${db}-shm`]) await chmod(file, 0o644).catch(() => undefined);
    expect(await runOnce(dataDir)).toEqual(OWNER_ONLY);
  });
});
