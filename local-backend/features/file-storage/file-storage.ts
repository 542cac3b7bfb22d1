/**
 * Convex file storage: `ctx.storage.*` in functions (the syscalls below), the `_storage` system
 * table (one document per file: `sha256` in base64, `size`, `contentType`), and the bytes on disk
 * (`files.ts`). Uploads and downloads over HTTP are in `http.ts`. Behaviour and wording follow
 * Convex: the `convex` package's server/impl/storage_impl.ts for what each call sends, and
 * convex-backend (crates/isolate/src/environment/{udf,action}/async_syscall.rs,
 * crates/file_storage/src/core.rs) for what it answers.
 */
import type { FileHandle } from "node:fs/promises";
import type { JSONValue } from "convex/values";
import { decodeDocumentId, encodeDocumentId } from "../../database/ids";
import { qualifiedTableName, splitTableName } from "../../database/namespaces";
import { loadDeploymentSecret } from "../../database/secret";
import { UserError, type Transaction } from "../../database/transaction";
import type { Doc } from "../../database/values";
import type { AsyncSyscallHandler, Runtime, SyscallOrigin } from "../../runtime/runtime";
import { FileStore, type ReceivedFile } from "./files";
import { FileUrlNames, UploadTokens } from "./secrets";
import { displayStorageId, NOT_A_STORAGE_ID, parseStorageId, type FileStorageId } from "./storage-ids";

const STORAGE_TABLE = "_storage";

/** Whether a table (by qualified name) is the `_storage` table of the app or of a component (each has its own files). */
function isStorageTable(table: string): boolean {
  return splitTableName(table).table === STORAGE_TABLE;
}

/** A refused storage request: the HTTP status and code Convex answers with, and its message (what a function sees). */
export class StorageError extends UserError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A MIME type as the `mime` crate parses one: `type/subtype`, then parameters. */
export function isMimeType(value: string): boolean {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?$/.test(value);
}

/** The sha256 of a `Digest: sha-256=<base64>` header (or `store()`'s `sha256` option after that prefix), or null. */
export function parseDigest(header: string): Buffer | null {
  const base64 = /^sha-256=([A-Za-z0-9+/]{43}=?)$/.exec(header)?.[1];
  return base64 === undefined ? null : Buffer.from(base64, "base64");
}

export interface FileStorageOptions {
  dataDir: string;
  /** The deployment's URL: upload and file URLs are on it, as on Convex. */
  url: string;
  log: (message: string) => void;
}

/** A stored file opened for reading, with what its document says of it. */
export interface OpenedFile {
  read: FileHandle;
  size: number;
  sha256: string;
  contentType: string | null;
}

export class FileStorage {
  readonly files: FileStore;
  readonly tokens: UploadTokens;
  private readonly names: FileUrlNames;

  constructor(
    private readonly runtime: Runtime,
    private readonly options: FileStorageOptions,
  ) {
    const secret = loadDeploymentSecret(options.dataDir);
    this.tokens = new UploadTokens(secret);
    this.names = new FileUrlNames(secret);
    this.files = new FileStore(options.dataDir);
    const stored = new Set<string>();
    for (const table of runtime.db.tables()) if (isStorageTable(table.name)) for (const id of table.docs.keys()) stored.add(id);
    const { removed, missing } = this.files.sweep(stored);
    if (removed > 0) options.log(`file storage: removed ${removed} files left by an interrupted upload or delete`);
    if (missing.length > 0) {
      options.log(`file storage: ${missing.length} stored files have no bytes in ${this.files.dir} (first: ${missing[0]})`);
    }
    // A file's bytes go once the delete of its document has committed (never on a rollback).
    runtime.onCommit((_ts, writes) => {
      for (const write of writes) {
        if (!isStorageTable(write.table) || write.before === null || write.after !== null) continue;
        this.files.remove(write.id).catch((error: unknown) => {
          options.log(`file storage: could not remove the file of ${write.id}: ${String(error)}`);
        });
      }
    });
    for (const [op, handler] of Object.entries(this.syscalls())) runtime.handleAsyncSyscall(op, handler);
  }

  /** The upload URL `generateUploadUrl()` gives, for uploads to a component's storage ("" for the app's). */
  uploadUrl(namespace = ""): string {
    return `${this.options.url}/api/storage/upload?token=${this.tokens.issue(Date.now(), namespace)}`;
  }

  /** The URL `getUrl()` gives; a component's files name their component, as on Convex (`?component=`). */
  private fileUrl(id: string, namespace: string): string {
    const query = namespace === "" ? "" : `?component=${encodeURIComponent(namespace)}`;
    return `${this.options.url}/api/storage/${this.fileUrlName(id)}${query}`;
  }

  private fileUrlName(id: string): string {
    return this.names.nameOf(decodeDocumentId(id)!.internal);
  }

  /**
   * The id of the `_storage` document of `namespace` a storage id names (a UUID names the one it
   * decrypts to); null when that namespace has no files at all.
   */
  private documentId(storageId: FileStorageId, namespace: string): string | null {
    const table = qualifiedTableName(namespace, STORAGE_TABLE);
    if (storageId.kind === "uuid") {
      const number = this.runtime.db.table(table)?.number;
      return number === undefined ? null : encodeDocumentId(number, this.names.internalOf(storageId.uuid));
    }
    if (!this.runtime.db.isIdOf(table, storageId.id)) throw new UserError(NOT_A_STORAGE_ID);
    return storageId.id;
  }

  /** The file a storage id names in the storage of `tx`'s namespace (the calling function's component). */
  private find(tx: Transaction, storageId: FileStorageId): { id: string; doc: Doc } | null {
    const id = this.documentId(storageId, tx.namespace);
    const doc = id === null ? null : tx.get(id, STORAGE_TABLE, true);
    return doc && id !== null ? { id, doc } : null;
  }

  /** Runs `run` in the function's own transaction, or, in an action, in one of its own. */
  private inTransaction<T>(origin: SyscallOrigin, write: boolean, run: (tx: Transaction) => T | Promise<T>): Promise<T> {
    if (origin.kind === "query" || origin.kind === "mutation") {
      return Promise.resolve(run(write ? origin.writableTransaction() : origin.transaction()));
    }
    return write ? this.runtime.writeTransaction(run, origin.component) : this.runtime.readTransaction(run, origin.component);
  }

  /**
   * Stores received bytes as a new file: its bytes are in place before its `_storage` document
   * commits. `expected` is a sha256 the caller gave (a `Digest` header, `store()`'s option).
   */
  async store(received: ReceivedFile, contentType: string | null, expected: Buffer | null, namespace = ""): Promise<string> {
    if (expected !== null && !expected.equals(received.sha256)) {
      await this.files.discard(received);
      throw new StorageError(
        400,
        "Sha256Mismatch",
        `Sha256 mismatch. Expected: ${expected.toString("base64")} Actual: ${received.sha256.toString("base64")}`,
      );
    }
    let placed: string | null = null;
    try {
      return await this.runtime.writeTransaction(async (tx) => {
        const id = tx.insert(
          STORAGE_TABLE,
          { sha256: received.sha256.toString("base64"), size: received.size, contentType },
          true,
        );
        await this.files.place(received, id);
        placed = id;
        return id;
      }, namespace);
    } catch (error) {
      if (placed !== null) await this.files.remove(placed).catch(() => undefined);
      else await this.files.discard(received);
      throw error;
    }
  }

  /**
   * Opens the file a URL name (`/api/storage/<uuid>`) or storage id refers to in a component's
   * storage ("" for the app's), or null if there is none. Opened on the executor, so a delete
   * committing meanwhile cannot remove it first.
   */
  async open(storageId: FileStorageId, namespace = ""): Promise<OpenedFile | null> {
    return await this.runtime.readTransaction(async (tx) => {
      const found = this.find(tx, storageId);
      if (!found) return null;
      const { doc } = found;
      return {
        read: await this.files.open(found.id),
        size: doc.size as number,
        sha256: doc.sha256 as string,
        contentType: (doc.contentType as string | null) ?? null,
      };
    }, namespace);
  }

  private syscalls(): Record<string, AsyncSyscallHandler> {
    const actionsOnly = (op: string, origin: SyscallOrigin) => {
      // Convex answers these only in actions (whose `ctx.storage` alone makes them).
      if (origin.kind === "query" || origin.kind === "mutation") throw new UserError(`Unknown async operation ${op}`);
    };
    return {
      "1.0/storageGenerateUploadUrl": async (_args, origin) => Promise.resolve(this.uploadUrl(origin.component)),
      "1.0/storageGetUrl": async (args, origin) => {
        const storageId = parseStorageId(args, "storage.getUrl");
        return await this.inTransaction(origin, false, (tx) => {
          const found = this.find(tx, storageId);
          return found ? this.fileUrl(found.id, origin.component) : null;
        });
      },
      "1.0/storageGetMetadata": async (args, origin) => {
        const storageId = parseStorageId(args, "storage.getMetadata");
        return await this.inTransaction(origin, false, (tx): JSONValue => {
          const found = this.find(tx, storageId);
          if (!found) return null;
          return {
            storageId: this.fileUrlName(found.id),
            // Convex still answers this deprecated call in hex (the table has base64).
            sha256: Buffer.from(found.doc.sha256 as string, "base64").toString("hex"),
            size: found.doc.size as number,
            contentType: (found.doc.contentType as string | null) ?? null,
          };
        });
      },
      "1.0/storageDelete": async (args, origin) => {
        const storageId = parseStorageId(args, "storage.delete");
        await this.inTransaction(origin, true, (tx) => {
          const found = this.find(tx, storageId);
          if (!found) throw new StorageError(400, "StorageIdNotFound", `storage id ${displayStorageId(storageId)} not found`);
          tx.systemDelete(found.id, STORAGE_TABLE);
        });
        return null;
      },
      "storage/storeBlob": async (args, origin) => {
        actionsOnly("storage/storeBlob", origin);
        const contentType = typeof args.contentType === "string" && args.contentType !== "" ? args.contentType : null;
        if (contentType !== null && !isMimeType(contentType)) {
          throw new StorageError(400, "InvalidContentTypeHeader", `Invalid content type: ${JSON.stringify(contentType)}`);
        }
        let expected: Buffer | null = null;
        if (args.sha256 !== undefined) {
          expected = typeof args.sha256 === "string" ? parseDigest(`sha-256=${args.sha256}`) : null;
          if (expected === null) throw new StorageError(400, "InvalidDigestHeader", "invalid HTTP header");
        }
        const bytes = Buffer.from(typeof args.blob === "string" ? args.blob : "", "base64");
        return await this.store(await this.files.receive([bytes]), contentType, expected, origin.component);
      },
      "storage/getBlob": async (args, origin) => {
        actionsOnly("storage/getBlob", origin);
        // Convex names the method getMetadata here too (action/storage.rs, run_storage_get_inner).
        const file = await this.open(parseStorageId(args, "storage.getMetadata"), origin.component);
        if (file === null) return null;
        try {
          return { blob: (await file.read.readFile()).toString("base64"), contentType: file.contentType };
        } finally {
          await file.read.close();
        }
      },
    };
  }
}
