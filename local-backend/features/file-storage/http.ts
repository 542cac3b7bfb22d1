/**
 * File storage over HTTP, on the deployment's URL as on Convex (convex-backend crates/local_backend/
 * src/storage.rs, `storage_upload` and `storage_get`; statuses, headers and wording from there):
 * - `POST /api/storage/upload?token=…`: the token is checked before any of the body is read; the
 *   body streams to disk (memory stays bounded whatever its size), and `{ storageId }` is the
 *   answer once the file is on disk and its `_storage` document committed. As on Convex, an upload
 *   has no size limit but must arrive within a time limit (Convex's docs: 2 minutes), past which it
 *   gets 408 and nothing is kept.
 * - `GET /api/storage/<uuid>[?component=<path>]` (the URL `getUrl()` gives; a component's files
 *   name their component): the bytes with their content type,
 *   `Content-Length`, `Digest`, Convex's `Cache-Control`, and one `Range` (206; 416 for several or
 *   one past the end).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { isMimeType, parseDigest, StorageError, type FileStorage, type OpenedFile } from "./file-storage";
import { formatUuid, parseUuid } from "./secrets";

/** How long an upload may take to arrive (Convex's documented limit for upload URLs). */
export const UPLOAD_TIMEOUT_MS = 2 * 60 * 1000;

/** File URLs never change what they serve: browsers may keep them for 30 days, as Convex lets them. */
const CACHE_CONTROL = "private, max-age=2592000";

const PREFIX = "/api/storage/";

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ code, message }));
}

/**
 * Refuses an upload before reading its body: the connection closes after the answer, so an
 * unauthorized client cannot keep streaming bytes through the backend.
 */
function refuseUpload(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  res.setHeader("Connection", "close");
  sendError(res, status, code, message);
  req.resume();
}

/** One byte range of a file of `size` bytes: the first and last byte, or "unsatisfiable"; null to send it whole. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | null {
  // A header Convex cannot parse is ignored, and the whole file sent.
  const spec = header === undefined ? undefined : /^bytes=(.*)$/.exec(header.trim())?.[1];
  if (spec === undefined) return null;
  const ranges = spec.split(",").map((part) => /^\s*(\d*)-(\d*)\s*$/.exec(part));
  if (ranges.some((r) => r === null || (r[1] === "" && r[2] === ""))) return null;
  // Like S3 beneath it, Convex serves one range only.
  if (ranges.length !== 1) return "unsatisfiable";
  const [, first, last] = ranges[0]!;
  if (first === "") {
    const suffix = Number(last);
    return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return null;
  return start >= size ? "unsatisfiable" : { start, end };
}

export class StorageHttp {
  constructor(
    private readonly storage: FileStorage,
    private readonly uploadTimeoutMs = UPLOAD_TIMEOUT_MS,
  ) {}

  /** Handles a request under `/api/storage/`; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!url.pathname.startsWith(PREFIX)) return false;
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        // Any header the page asks for (Convex mirrors them), e.g. Digest on an upload.
        "Access-Control-Allow-Headers": req.headers["access-control-request-headers"] ?? "Content-Type",
        "Access-Control-Max-Age": "86400",
      });
      res.end();
      return true;
    }
    const rest = url.pathname.slice(PREFIX.length);
    try {
      if (rest === "upload") {
        if (req.method === "POST") await this.upload(req, res, url);
        else refuseUpload(req, res, 405, "MethodNotAllowed", `Use POST for ${url.pathname}`);
      } else if (req.method === "GET" || req.method === "HEAD") {
        await this.download(req, res, rest, url.searchParams.get("component") ?? "");
      } else {
        sendError(res, 405, "MethodNotAllowed", `Use GET for ${url.pathname}`);
      }
    } catch (error) {
      if (error instanceof StorageError) sendError(res, error.status, error.code, error.message);
      else sendError(res, 500, "InternalServerError", error instanceof Error ? error.message : String(error));
    }
    return true;
  }

  private async upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const token = url.searchParams.get("token");
    if (token === null) {
      return refuseUpload(req, res, 400, "BadQueryArgs", "Failed to deserialize query string: missing field `token`");
    }
    const check = this.storage.tokens.check(token);
    if (check === "invalid") {
      return refuseUpload(req, res, 401, "StorageTokenInvalid", "Couldn't decode the StoreFileAuthorization token");
    }
    if (check === "expired") return refuseUpload(req, res, 401, "StorageTokenExpired", "Store File Authorization expired");
    const contentType = req.headers["content-type"]?.trim();
    if (contentType !== undefined && !isMimeType(contentType)) {
      return refuseUpload(req, res, 400, "BadHeader", "Bad header for content-type: invalid HTTP header");
    }
    const digest = req.headers.digest;
    const expected = typeof digest === "string" ? parseDigest(digest.trim()) : null;
    if (digest !== undefined && expected === null) {
      return refuseUpload(req, res, 400, "BadHeader", "Bad header for digest: invalid HTTP header");
    }

    const timer = setTimeout(() => {
      refuseUpload(req, res, 408, "RequestTimeout", `The upload did not arrive within ${this.uploadTimeoutMs / 1000}s`);
      // A client that stopped sending is cut off; what it sent is dropped (receive() cleans up).
      res.once("finish", () => req.destroy());
    }, this.uploadTimeoutMs);
    try {
      const received = await this.storage.files.receive(req);
      if (res.headersSent) {
        await this.storage.files.discard(received);
        return;
      }
      const storageId = await this.storage.store(received, contentType ?? null, expected, this.storage.tokens.namespace(token));
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ storageId }));
    } catch (error) {
      // The client went away or was cut off: there is no one to answer.
      if (req.destroyed && !(error instanceof StorageError)) return;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async download(req: IncomingMessage, res: ServerResponse, name: string, component: string): Promise<void> {
    const uuid = parseUuid(name);
    if (uuid === null) {
      let shown = name;
      try {
        shown = decodeURIComponent(name);
      } catch {
        // Shown as sent.
      }
      throw new StorageError(
        400,
        "InvalidStoragePath",
        `Invalid storage path: "${shown}". Please use \`storage.getUrl(storageId: Id<"_storage">)\` to generate a valid URL to retrieve files. See https://docs.convex.dev/file-storage/serve-files for more details`,
      );
    }
    const file = await this.storage.open({ kind: "uuid", uuid }, component);
    if (file === null) throw new StorageError(404, "FileNotFound", `File ${formatUuid(uuid)} not found`);
    try {
      await this.send(req, res, file);
    } finally {
      await file.read.close().catch(() => undefined);
    }
  }

  private async send(req: IncomingMessage, res: ServerResponse, file: OpenedFile): Promise<void> {
    const headers: Record<string, string | number> = {
      ...(file.contentType !== null ? { "Content-Type": file.contentType } : {}),
      "Cache-Control": CACHE_CONTROL,
      "Accept-Ranges": "bytes",
    };
    // An empty file has no range to serve: it is sent whole (200), as Convex does.
    const range = file.size === 0 ? null : byteRange(req.headers.range, file.size);
    if (range === "unsatisfiable") {
      res.writeHead(416, { "Content-Range": `bytes */${file.size}` });
      res.end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: file.size - 1 };
    if (range) {
      res.writeHead(206, {
        ...headers,
        "Content-Range": `bytes ${start}-${end}/${file.size}`,
        "Content-Length": end - start + 1,
      });
    } else {
      res.writeHead(200, { Digest: `sha-256=${file.sha256}`, ...headers, "Content-Length": file.size });
    }
    if (req.method === "HEAD" || file.size === 0) {
      res.end();
      return;
    }
    await pipeline(file.read.createReadStream({ start, end, autoClose: false }), res).catch(() => {
      // The client went away mid-download.
    });
  }
}
