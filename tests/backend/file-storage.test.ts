/**
 * File storage as Convex serves it, through the real clients and plain fetch: upload URLs,
 * file URLs with ranges, ctx.storage in every kind of function, the `_storage` table, and the
 * bytes on disk across restarts and kill -9.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import type { Id } from "./fixtures/convex/_generated/dataModel";
import { fixtureBackend, serverText, spawnBackend, startTestBackend, tempDir, waitFor } from "./helpers";

const fixture = fixtureBackend();

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** Uploads `body` through a fresh upload URL of the backend at `url`; returns the answer's storage id. */
async function upload(
  url: string,
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
): Promise<Id<"_storage">> {
  const uploadUrl = await new ConvexHttpClient(url).mutation(api.files.generateUploadUrl, {});
  const response = await fetch(uploadUrl, { method: "POST", body, headers });
  expect(response.status).toBe(200);
  return ((await response.json()) as { storageId: Id<"_storage"> }).storageId;
}

const sha256 = (data: string | Uint8Array, encoding: "hex" | "base64") => createHash("sha256").update(data).digest(encoding);

async function fileUrl(storageId: string): Promise<string> {
  const url = await fixture.http.query(api.files.getUrl, { storageId });
  expect(url).not.toBeNull();
  return url!;
}

/** The names in the data directory's files/ folder (stored files, and the uploads folder). */
function filesOnDisk(dataDir: string): string[] {
  return readdirSync(join(dataDir, "files")).sort();
}

describe("upload URLs and file URLs", () => {
  it("stores a POSTed body and serves it at getUrl() with Convex's headers", async () => {
    const uploadUrl = await fixture.http.mutation(api.files.generateUploadUrl, {});
    expect(uploadUrl).toMatch(new RegExp(`^${fixture.backend.url}/api/storage/upload\\?token=[A-Za-z0-9_-]+$`));
    const response = await fetch(uploadUrl, { method: "POST", body: "helloworld", headers: { "Content-Type": "text/plain" } });
    expect(response.status).toBe(200);
    const { storageId } = (await response.json()) as { storageId: Id<"_storage"> };
    // An Id<"_storage">: accepted by v.id("_storage").
    expect(await fixture.http.query(api.files.get, { id: storageId })).toMatchObject({ _id: storageId, size: 10 });

    const url = await fileUrl(storageId);
    expect(url).toMatch(
      new RegExp(`^${fixture.backend.url}/api/storage/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
    );
    const file = await fetch(url);
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("text/plain");
    expect(file.headers.get("Content-Length")).toBe("10");
    expect(file.headers.get("Cache-Control")).toBe("private, max-age=2592000");
    expect(file.headers.get("Accept-Ranges")).toBe("bytes");
    expect(file.headers.get("Digest")).toBe(`sha-256=${sha256("helloworld", "base64")}`);
    expect(await file.text()).toBe("helloworld");

    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Length")).toBe("10");
    expect(await head.text()).toBe("");
  });

  it("lets a page on another origin upload (CORS preflight with its headers) and read the answer", async () => {
    const uploadUrl = await fixture.http.mutation(api.files.generateUploadUrl, {});
    const preflight = await fetch(uploadUrl, {
      method: "OPTIONS",
      headers: {
        Origin: "http://app.test",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,digest",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toBe("content-type,digest");
    expect(preflight.headers.get("Access-Control-Allow-Methods")).toContain("POST");
    const response = await fetch(uploadUrl, { method: "POST", body: "cross-origin", headers: { Origin: "http://app.test" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.status).toBe(200);
  });

  it("keeps bytes exactly, and serves a file uploaded without a type without one", async () => {
    const bytes = randomBytes(300_000);
    const storageId = await upload(fixture.backend.url, bytes);
    const file = await fetch(await fileUrl(storageId));
    expect(file.headers.get("Content-Type")).toBeNull();
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
    expect(await fixture.http.query(api.files.get, { id: storageId })).toMatchObject({
      size: 300_000,
      sha256: sha256(bytes, "base64"),
      contentType: null,
    });
  });

  it("answers a Range with 206 and Content-Range, 416 for several ranges or one past the end", async () => {
    const body = Buffer.from("0123456789abcdefghij");
    const url = await fileUrl(await upload(fixture.backend.url, body, { "Content-Type": "audio/mpeg" }));
    const ranged = async (range: string) => {
      const response = await fetch(url, { headers: { Range: range } });
      return { status: response.status, headers: response.headers, text: await response.text() };
    };
    const first = await ranged("bytes=5-9");
    expect(first).toMatchObject({ status: 206, text: "56789" });
    expect(first.headers.get("Content-Range")).toBe("bytes 5-9/20");
    expect(first.headers.get("Content-Length")).toBe("5");
    expect(first.headers.get("Content-Type")).toBe("audio/mpeg");
    expect(first.headers.get("Digest")).toBeNull();
    expect(await ranged("bytes=15-")).toMatchObject({ status: 206, text: "fghij" });
    expect(await ranged("bytes=-3")).toMatchObject({ status: 206, text: "hij" });
    expect((await ranged("bytes=18-100")).headers.get("Content-Range")).toBe("bytes 18-19/20");
    const past = await ranged("bytes=20-25");
    expect(past.status).toBe(416);
    expect(past.headers.get("Content-Range")).toBe("bytes */20");
    expect((await ranged("bytes=0-1,4-5")).status).toBe(416);
    // A Range that does not parse is ignored: the whole file.
    expect(await ranged("lines=1-2")).toMatchObject({ status: 200, text: body.toString() });

    // An empty file has no range to give: 200, whole (and empty), as Convex answers.
    const empty = await fetch(await fileUrl(await upload(fixture.backend.url, "", { "Content-Type": "text/plain" })), {
      headers: { Range: "bytes=0-0" },
    });
    expect(empty.status).toBe(200);
    expect(empty.headers.get("Content-Range")).toBeNull();
    expect(empty.headers.get("Content-Length")).toBe("0");
    expect(await empty.text()).toBe("");
  });

  it("checks a Digest header: a match stores the file, a mismatch is 400 Sha256Mismatch and stores nothing", async () => {
    const digest = `sha-256=${sha256("helloworld", "base64")}`;
    await upload(fixture.backend.url, "helloworld", { "Content-Type": "text/plain", Digest: digest });
    const before = await fixture.http.query(api.files.list, {});
    const uploadUrl = await fixture.http.mutation(api.files.generateUploadUrl, {});
    const mismatch = await fetch(uploadUrl, { method: "POST", body: "differentdata", headers: { Digest: digest } });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toEqual({
      code: "Sha256Mismatch",
      message: `Sha256 mismatch. Expected: ${sha256("helloworld", "base64")} Actual: ${sha256("differentdata", "base64")}`,
    });
    const malformed = await fetch(uploadUrl, { method: "POST", body: "x", headers: { Digest: "md5=abc" } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { code: string }).code).toBe("BadHeader");
    expect(await fixture.http.query(api.files.list, {})).toEqual(before);
    expect(readdirSync(join(fixture.backend.dataDir, "files", "uploads"))).toEqual([]);
  });
});

describe("ctx.storage and the _storage table", () => {
  it("lists files in _storage with Convex's fields, and db.system.get reads one", async () => {
    const storageId = await upload(fixture.backend.url, "listed", { "Content-Type": "text/csv" });
    const listed = (await fixture.http.query(api.files.list, {})).find((doc) => doc._id === storageId);
    expect(listed).toEqual({
      _id: storageId,
      _creationTime: expect.any(Number) as number,
      sha256: sha256("listed", "base64"),
      size: 6,
      contentType: "text/csv",
    });
    expect(await fixture.http.query(api.files.get, { id: storageId })).toEqual(listed);
  });

  it("getMetadata answers the legacy UUID storage id, a hex sha256, size and type; the UUID works wherever an id does", async () => {
    const storageId = await upload(fixture.backend.url, "helloworld", { "Content-Type": "text/plain" });
    const metadata = await fixture.http.query(api.files.getMetadata, { storageId });
    expect(metadata).toEqual({
      storageId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) as string,
      sha256: sha256("helloworld", "hex"),
      size: 10,
      contentType: "text/plain",
    });
    const legacy = metadata!.storageId;
    expect(await fixture.http.query(api.files.getMetadata, { storageId: legacy })).toEqual(metadata);
    expect(await fixture.http.query(api.files.getUrl, { storageId: legacy })).toBe(await fileUrl(storageId));
    expect(await fixture.http.action(api.files.read, { storageId: legacy })).toEqual({
      text: "helloworld",
      type: "text/plain",
      size: 10,
    });
    // The file URL is named by that UUID (and is no function of the id alone).
    expect(await fileUrl(storageId)).toBe(`${fixture.backend.url}/api/storage/${legacy}`);
    expect(await fixture.http.mutation(api.files.remove, { storageId: legacy })).toBeNull();
    expect(await fixture.http.query(api.files.getMetadata, { storageId })).toBeNull();
    await expect(fixture.http.mutation(api.files.remove, { storageId: legacy })).rejects.toThrow(
      `Uncaught Error: storage id ${legacy} not found`,
    );
  });

  it("delete removes the document and then the bytes; the old URL is 404 FileNotFound; errors read as Convex's", async () => {
    const storageId = await upload(fixture.backend.url, "specialrelativity", { "Content-Type": "text/plain" });
    const url = await fileUrl(storageId);
    expect(existsSync(join(fixture.backend.dataDir, "files", storageId))).toBe(true);
    expect(await fixture.http.mutation(api.files.remove, { storageId })).toBeNull();
    await waitFor(() => !existsSync(join(fixture.backend.dataDir, "files", storageId)), 5000, "the bytes to go");
    expect(await fixture.http.query(api.files.getUrl, { storageId })).toBeNull();
    expect(await fixture.http.query(api.files.get, { id: storageId })).toBeNull();
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { code: string }).code).toBe("FileNotFound");

    await expect(fixture.http.mutation(api.files.remove, { storageId })).rejects.toThrow(
      /Uncaught Error: storage id \S+ not found/,
    );
    const nonsense = await fixture.http.mutation(api.files.remove, { storageId: "nonsense" }).catch(serverText);
    expect(nonsense).toContain(
      `Uncaught Error: Invalid argument \`storageId\` for \`storage.delete\`: Invalid storage ID: "nonsense". Storage ID should be an\n                    Id of '_storage' table, or a UUID string.`,
    );
    const contact = await fixture.http.mutation(api.contacts.add, { owner: "files", name: "Not a file", email: "n@x" });
    await expect(fixture.http.query(api.files.getUrl, { storageId: contact })).rejects.toThrow(
      "Uncaught Error: Invalid storage ID. Storage ID cannot be an ID on any table other than '_storage'.",
    );
  });

  it("a delete in a mutation that then fails is rolled back: document and bytes stay", async () => {
    const storageId = await upload(fixture.backend.url, "kept");
    await expect(fixture.http.mutation(api.files.removeThenFail, { storageId })).rejects.toThrow("changed my mind");
    expect(await fixture.http.query(api.files.get, { id: storageId })).toMatchObject({ size: 4 });
    expect(await (await fetch(await fileUrl(storageId))).text()).toBe("kept");
  });

  it("in actions: store(blob) and get(id), generateUploadUrl, getUrl, getMetadata and delete", async () => {
    const storageId = await fixture.http.action(api.files.store, { content: "from an action", contentType: "text/plain" });
    expect(await fixture.http.query(api.files.get, { id: storageId })).toMatchObject({
      sha256: sha256("from an action", "base64"),
      size: 14,
      contentType: "text/plain",
    });
    expect(await fixture.http.action(api.files.read, { storageId })).toEqual({
      text: "from an action",
      type: "text/plain",
      size: 14,
    });
    expect(await fixture.http.action(api.files.getUrlInAction, { storageId })).toBe(await fileUrl(storageId));
    expect(await fixture.http.action(api.files.getMetadataInAction, { storageId })).toMatchObject({
      sha256: sha256("from an action", "hex"),
    });
    const uploadUrl = await fixture.http.action(api.files.generateUploadUrlInAction, {});
    expect((await fetch(uploadUrl, { method: "POST", body: "via action URL" })).status).toBe(200);

    expect(await fixture.http.action(api.files.removeInAction, { storageId })).toBeNull();
    expect(await fixture.http.action(api.files.read, { storageId })).toBeNull();
    expect(await fixture.http.action(api.files.getUrlInAction, { storageId })).toBeNull();
    // A Blob without a type is stored without one.
    const untyped = await fixture.http.action(api.files.store, { content: "plain" });
    expect(await fixture.http.action(api.files.read, { storageId: untyped })).toEqual({ text: "plain", type: "", size: 5 });
  });

  it("store() checks its sha256 option as Convex does, and refuses what is not a Blob", async () => {
    const good = await fixture.http.action(api.files.store, { content: "checked", sha256: sha256("checked", "base64") });
    expect(await fixture.http.query(api.files.get, { id: good })).toMatchObject({ size: 7 });
    const before = (await fixture.http.query(api.files.list, {})).length;
    await expect(
      fixture.http.action(api.files.store, { content: "tampered", sha256: sha256("checked", "base64") }),
    ).rejects.toThrow(
      `Uncaught Error: Sha256 mismatch. Expected: ${sha256("checked", "base64")} Actual: ${sha256("tampered", "base64")}`,
    );
    await expect(fixture.http.action(api.files.store, { content: "x", sha256: sha256("x", "hex") })).rejects.toThrow(
      "Uncaught Error: invalid HTTP header",
    );
    expect(await fixture.http.query(api.files.list, {})).toHaveLength(before);
    await expect(fixture.http.action(api.files.storeNotABlob, {})).rejects.toThrow(
      "Uncaught Error: store() expects a Blob. If you are trying to store a Request, `await request.blob()` will give you the correct input.",
    );
  });

  it("a live query over _storage updates as files come and go", async () => {
    const client = new ConvexClient(fixture.backend.url);
    cleanup.push(() => client.close());
    const seen: (string | null)[] = [];
    client.onUpdate(api.files.newestUrl, {}, (url) => seen.push(url));
    await waitFor(() => seen.length > 0, 5000, "the first result");
    const storageId = await upload(fixture.backend.url, "live");
    const url = await waitFor(() => seen.find((u) => u !== null && u === seen.at(-1) && u !== seen[0]), 5000, "the new file");
    expect(await (await fetch(url)).text()).toBe("live");
    await fixture.http.mutation(api.files.remove, { storageId });
    await waitFor(() => seen.at(-1) !== url, 5000, "the file to go");
  });
});

describe("on disk", () => {
  it("files survive a restart: same document, same URL, same bytes", async () => {
    const dataDir = await tempDir();
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    let backend = await startTestBackend({ dataDir });
    const bytes = randomBytes(50_000);
    const storageId = await upload(backend.url, bytes, { "Content-Type": "image/png" });
    const url = await new ConvexHttpClient(backend.url).query(api.files.getUrl, { storageId });
    const port = backend.port;
    await backend.close();

    backend = await startTestBackend({ dataDir });
    cleanup.push(() => backend.close());
    const http = new ConvexHttpClient(backend.url);
    // The same file, at the same URL once the backend has the same port again.
    expect(await http.query(api.files.getUrl, { storageId })).toBe(url!.replace(`:${port}/`, `:${backend.port}/`));
    const file = await fetch(`${backend.url}/api/storage/${url!.split("/").at(-1)!}`);
    expect(file.headers.get("Content-Type")).toBe("image/png");
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("kill -9 keeps every acknowledged upload; what was cut off, or never committed, is gone after restart", async () => {
    const dataDir = await tempDir();
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { url, kill9 } = await spawnBackend(dataDir);
    cleanup.push(kill9);
    const kept = await upload(url, "acknowledged", { "Content-Type": "text/plain" });

    // An upload still arriving when the process dies.
    const uploadUrl = await new ConvexHttpClient(url).mutation(api.files.generateUploadUrl, {});
    const cutOff = request(uploadUrl, { method: "POST", headers: { "Content-Length": "1000000" } });
    cutOff.on("error", () => undefined);
    cutOff.write(Buffer.alloc(100_000));
    await waitFor(() => readdirSync(join(dataDir, "files", "uploads")).length > 0, 5000, "the upload to start");
    await kill9();
    // A file whose document never committed (as a crash between the two would leave it).
    const stray = "0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    writeFileSync(join(dataDir, "files", stray), "stray");

    const backend = await startTestBackend({ dataDir });
    cleanup.push(() => backend.close());
    const http = new ConvexHttpClient(backend.url);
    expect((await http.query(api.files.list, {})).map((doc) => doc._id)).toEqual([kept]);
    expect(await (await fetch((await http.query(api.files.getUrl, { storageId: kept }))!)).text()).toBe("acknowledged");
    expect(filesOnDisk(dataDir)).toEqual([kept, "uploads"].sort());
    expect(readdirSync(join(dataDir, "files", "uploads"))).toEqual([]);
  });
});
