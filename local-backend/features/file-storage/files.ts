/**
 * The bytes of stored files, under `<dataDir>/files/` (directory 700, files 600): one file per
 * `_storage` document, named by its id. What is received goes to `files/uploads/<random>` as it
 * arrives (never held whole in memory) while its sha256 and size are computed, is fsync'd, and is
 * renamed to its document's name (the directory fsync'd) before that document commits, so a
 * committed document always has its bytes. A delete removes the file once its commit is done.
 * Start-up removes what a crash can leave behind: half-received uploads, and files whose document
 * never committed or whose delete committed just before the crash.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

/** Received bytes, on disk and synced, not yet a stored file. */
export interface ReceivedFile {
  path: string;
  size: number;
  sha256: Buffer;
}

/** What a stored file's name can be: an id in Convex's base32 alphabet, nothing a path could escape with. */
const FILE_NAME = /^[0-9a-hjkmnp-tv-z]{31,40}$/;

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FileStore {
  readonly dir: string;
  private readonly uploads: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, "files");
    this.uploads = join(this.dir, "uploads");
    mkdirSync(this.uploads, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    chmodSync(this.uploads, 0o700);
  }

  /** Where the file of the `_storage` document `id` lives. */
  pathOf(id: string): string {
    if (!FILE_NAME.test(id)) throw new Error(`Not a stored file's id: ${JSON.stringify(id)}`);
    return join(this.dir, id);
  }

  /**
   * Writes `chunks` to a new upload file as they come, hashing them, and syncs it to disk. If
   * reading or writing fails (the client went away, the disk is full), nothing is left behind.
   */
  async receive(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<ReceivedFile> {
    const path = join(this.uploads, randomBytes(16).toString("hex"));
    const handle = await open(path, "wx", 0o600);
    const hash = createHash("sha256");
    let size = 0;
    try {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw error;
    }
    await handle.close();
    return { path, size, sha256: hash.digest() };
  }

  /** Drops received bytes that will not be stored. */
  async discard(file: ReceivedFile): Promise<void> {
    await unlink(file.path).catch(() => undefined);
  }

  /** Makes received bytes the file of `id`, durably (before its document commits). */
  async place(file: ReceivedFile, id: string): Promise<void> {
    await rename(file.path, this.pathOf(id));
    await syncDirectory(this.dir);
  }

  /** Opens the file of `id` to read it. */
  async open(id: string): Promise<FileHandle> {
    return await open(this.pathOf(id), "r");
  }

  async remove(id: string): Promise<void> {
    await unlink(this.pathOf(id)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  /**
   * At start-up: removes half-received uploads and every file without a document in `stored`;
   * returns the stored ids whose file is missing (which only a hand-edited data directory has).
   */
  sweep(stored: ReadonlySet<string>): { removed: number; missing: string[] } {
    let removed = 0;
    for (const name of readdirSync(this.uploads)) {
      rmSync(join(this.uploads, name), { recursive: true, force: true });
      removed++;
    }
    for (const name of readdirSync(this.dir)) {
      if (FILE_NAME.test(name) && !stored.has(name)) {
        unlinkSync(join(this.dir, name));
        removed++;
      }
    }
    const missing = [...stored].filter((id) => !existsSync(join(this.dir, id)));
    return { removed, missing };
  }
}
