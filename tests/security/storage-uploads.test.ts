/**
 * Issue 21.2: the doors file storage opens. Upload URLs carry a token sealed with the
 * deployment's secret: a forged or altered one, one of another deployment, and one past its
 * hour are refused (401, Convex's codes) before any byte is read, and nothing is written; a
 * reused one (which Convex allows within the hour) only ever makes new files. Storage ids, file
 * URLs and tokens of another deployment open nothing here; no URL or storage id reaches a file
 * of the data directory other than a stored file's bytes. A huge upload streams to disk with
 * bounded memory and a slow one is cut off at its time limit, while the backend keeps serving.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadDeploymentSecret } from "../../local-backend/database/secret";
import { UploadTokens } from "../../local-backend/features/file-storage/secrets";
import { api } from "../backend/fixtures/convex/_generated/api";
import type { Id } from "../backend/fixtures/convex/_generated/dataModel";
import { serverText, startTestBackend, type TestBackend } from "../backend/helpers";

const SLOW_UPLOAD_LIMIT_MS = 600;
let backend: TestBackend;
/** Another deployment, whose uploads must arrive within SLOW_UPLOAD_LIMIT_MS. */
let other: TestBackend;
let http: ConvexHttpClient;

beforeAll(async () => {
  [backend, other] = await Promise.all([startTestBackend(), startTestBackend({ uploadTimeoutMs: SLOW_UPLOAD_LIMIT_MS })]);
  http = new ConvexHttpClient(backend.url);
});
afterAll(async () => {
  await Promise.all([backend?.destroy(), other?.destroy()]);
});

async function uploadUrl(on: TestBackend = backend): Promise<string> {
  return await new ConvexHttpClient(on.url).mutation(api.files.generateUploadUrl, {});
}

async function post(url: string, body: string): Promise<{ status: number; body: { code?: string; storageId?: string } }> {
  const response = await fetch(url, { method: "POST", body, headers: { "Content-Type": "text/plain" } });
  return { status: response.status, body: (await response.json()) as { code?: string; storageId?: string } };
}

/** What a stored file holds: its document count, the bytes on disk, and uploads in progress. */
function storedState(on: TestBackend): { files: string[]; uploads: string[] } {
  const dir = join(on.dataDir, "files");
  return {
    files: readdirSync(dir).filter((name) => name !== "uploads"),
    uploads: readdirSync(join(dir, "uploads")),
  };
}

function withToken(url: string, token: string): string {
  return url.replace(/token=.*$/, `token=${token}`);
}

describe("upload tokens", () => {
  it("refuses a forged, altered or foreign token with 401 StorageTokenInvalid, and writes nothing", async () => {
    const before = storedState(backend);
    const real = await uploadUrl();
    const token = new URL(real).searchParams.get("token")!;
    const middle = Math.floor(token.length / 2);
    const altered = token.slice(0, middle) + (token[middle] === "A" ? "B" : "A") + token.slice(middle + 1);
    const forged = [
      withToken(real, "coffee"),
      withToken(real, altered),
      withToken(real, ""),
      withToken(real, "..%2F..%2Fadmin-key"),
      // A real token of another deployment.
      withToken(real, new URL(await uploadUrl(other)).searchParams.get("token")!),
      real.replace(/\?token=.*$/, ""),
    ];
    for (const url of forged) {
      const { status, body } = await post(url, "should not be stored");
      if (url.includes("?token="))
        expect({ url, status, code: body.code }).toEqual({ url, status: 401, code: "StorageTokenInvalid" });
      else expect({ status, code: body.code }).toEqual({ status: 400, code: "BadQueryArgs" });
    }
    expect(storedState(backend)).toEqual(before);
    expect((await post(real, "the real one works")).status).toBe(200);
  });

  it("refuses a token replayed after its hour (401 StorageTokenExpired), and one issued over an hour ago", async () => {
    const url = await uploadUrl();
    expect((await post(url, "first use")).status).toBe(200);
    const before = storedState(backend);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60 * 60 * 1000 });
    try {
      expect(await post(url, "replayed")).toEqual({
        status: 401,
        body: { code: "StorageTokenExpired", message: "Store File Authorization expired" },
      });
    } finally {
      vi.useRealTimers();
    }
    // Sealed with this deployment's own secret, as a token it gave out 61 minutes ago was.
    const tokens = new UploadTokens(loadDeploymentSecret(backend.dataDir));
    expect((await post(withToken(url, tokens.issue(Date.now() - 61 * 60 * 1000)), "old")).body.code).toBe("StorageTokenExpired");
    expect(storedState(backend)).toEqual(before);
    expect((await post(withToken(url, tokens.issue(Date.now() - 59 * 60 * 1000)), "within the hour")).status).toBe(200);
  });

  it("a token used twice (which Convex allows within its hour) makes a new file each time, never replacing one", async () => {
    const url = await uploadUrl();
    const first = await post(url, "first");
    const second = await post(url, "second");
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.storageId).not.toBe(first.body.storageId);
    for (const [answer, text] of [
      [first, "first"],
      [second, "second"],
    ] as const) {
      const fileUrl = await http.query(api.files.getUrl, { storageId: answer.body.storageId! });
      expect(await (await fetch(fileUrl!)).text()).toBe(text);
    }
  });
});

describe("stored files", () => {
  it("are the user's alone: the files directory is 700, each file 600", async () => {
    const { storageId } = (await post(await uploadUrl(), "private")).body;
    expect(statSync(join(backend.dataDir, "files")).mode & 0o777).toBe(0o700);
    expect(statSync(join(backend.dataDir, "files", "uploads")).mode & 0o777).toBe(0o700);
    expect(statSync(join(backend.dataDir, "files", storageId!)).mode & 0o777).toBe(0o600);
  });
});

describe("another deployment", () => {
  it("its storage ids, legacy ids and file URLs open nothing here", async () => {
    const theirs = (await post(await uploadUrl(other), "other deployment's file")).body.storageId!;
    const theirClient = new ConvexHttpClient(other.url);
    const theirUrl = (await theirClient.query(api.files.getUrl, { storageId: theirs }))!;
    const theirLegacy = (await theirClient.query(api.files.getMetadata, { storageId: theirs }))!.storageId;

    for (const storageId of [theirs, theirLegacy]) {
      expect(await http.query(api.files.getUrl, { storageId })).toBeNull();
      expect(await http.query(api.files.getMetadata, { storageId })).toBeNull();
      expect(await http.action(api.files.read, { storageId })).toBeNull();
      await expect(http.mutation(api.files.remove, { storageId })).rejects.toThrow(/Uncaught Error: storage id \S+ not found/);
    }
    const here = await fetch(theirUrl.replace(other.url, backend.url));
    expect(here.status).toBe(404);
    expect(((await here.json()) as { code: string }).code).toBe("FileNotFound");
    // And it is still there, untouched.
    expect(await (await fetch(theirUrl)).text()).toBe("other deployment's file");
  });
});

/** GET of a raw path (not normalized by a URL parser on the way). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(backend.url, { path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString("latin1") }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("path traversal", () => {
  it("no file URL reaches a file of the data directory", async () => {
    const secrets = ["admin-key", "cursor-secret"].map((name) => readFileSync(join(backend.dataDir, name), "utf8").trim());
    const paths = [
      "/api/storage/../admin-key",
      "/api/storage/..%2fadmin-key",
      "/api/storage/..%2F..%2Fcursor-secret",
      "/api/storage/%2e%2e/%2e%2e/admin-key",
      "/api/storage/files%2F..%2Fconvex.sqlite3",
      "/api/storage/uploads",
      "/api/storage/00000000-0000-0000-0000-000000000000",
      "/api/storage/00000000-0000-0000-0000-000000000000/../../admin-key",
    ];
    for (const path of paths) {
      const { status, body } = await rawGet(path);
      expect({ path, status: status >= 400 && status < 500 }).toEqual({ path, status: true });
      for (const secret of secrets) expect(body).not.toContain(secret);
      expect(body).not.toContain("SQLite format");
    }
  });

  it("storage ids that are paths are invalid arguments, in queries and in actions", async () => {
    for (const storageId of ["../admin-key", "../../cursor-secret", "uploads", "./convex.sqlite3", "/etc/passwd"]) {
      expect(await http.query(api.files.getUrl, { storageId }).catch(serverText)).toContain(
        "Uncaught Error: Invalid argument `storageId` for `storage.getUrl`: Invalid storage ID",
      );
      expect(await http.action(api.files.read, { storageId }).catch(serverText)).toContain(
        "Uncaught Error: Invalid argument `storageId` for `storage.getMetadata`: Invalid storage ID",
      );
    }
  });
});

/** POSTs `total` bytes (one reused chunk, honouring backpressure) to `url`; resolves with the answer. */
function streamUpload(url: string, total: number, chunk: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "Content-Length": String(total) } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (part: string) => (body += part));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    let sent = 0;
    const write = () => {
      while (sent < total) {
        const part = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
        sent += part.length;
        if (!req.write(part)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

describe("huge and slow uploads", () => {
  it("streams a 192 MiB upload to disk with bounded memory while the backend keeps answering", async () => {
    const total = 192 * 1024 * 1024;
    const url = await uploadUrl();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const latencies: number[] = [];
    let uploading = true;
    const answering = (async () => {
      while (uploading) {
        const started = performance.now();
        await http.query(api.contacts.listByOwner, { owner: "nobody" });
        latencies.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const answer = await streamUpload(url, total, Buffer.alloc(1024 * 1024, 7)).finally(() => {
      uploading = false;
      clearInterval(sampler);
    });
    await answering;
    expect(answer.status).toBe(200);
    const { storageId } = JSON.parse(answer.body) as { storageId: Id<"_storage"> };
    expect(await http.query(api.files.get, { id: storageId })).toMatchObject({ size: total });
    // The body was never held whole: the process grew by half of it at most (measured: ~45 MiB of
    // garbage chunks awaiting collection, the same for 32 or 384 MiB uploads).
    expect(peak - baseline).toBeLessThan(96 * 1024 * 1024);
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    await http.mutation(api.files.remove, { storageId });
  });

  it("cuts off an upload that does not arrive in time (408), keeps nothing, and serves others meanwhile", async () => {
    const before = storedState(other);
    const url = await uploadUrl(other);
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: "POST", headers: { "Content-Length": "1000000" } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (part: string) => (body += part));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      // A few bytes, then nothing more.
      req.write("slow");
    });
    const started = performance.now();
    // Meanwhile the deployment answers as usual.
    expect(await new ConvexHttpClient(other.url).query(api.contacts.listByOwner, { owner: "nobody" })).toEqual([]);
    expect(performance.now() - started).toBeLessThan(SLOW_UPLOAD_LIMIT_MS);
    const { status, body } = await answered;
    expect(status).toBe(408);
    expect((JSON.parse(body) as { code: string }).code).toBe("RequestTimeout");
    expect(performance.now() - started).toBeGreaterThanOrEqual(SLOW_UPLOAD_LIMIT_MS - 50);
    await new Promise((r) => setTimeout(r, 100));
    expect(storedState(other)).toEqual(before);
    expect(existsSync(join(other.dataDir, "files", "uploads"))).toBe(true);
  });
});
