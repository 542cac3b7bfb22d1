/**
 * Issue 21: HTTP actions are a public door. Odd and traversing paths route as Convex routes them
 * (the URL's path, dot segments resolved, encoded slashes kept) and only ever reach convex/http.ts's
 * routes: never Convex's API, never a file. Bodies are capped at Convex's 20 MiB and share the
 * in-flight byte budget, so huge or slow uploads hold bounded memory while the rest of the backend
 * serves; a handler that never yields is stopped at the action deadline with its worker.
 */
import { request, type ClientRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_ACTION_BODY_LIMIT } from "../../local-backend/features/http-actions/http-actions";
import { startTestBackend, type TestBackend } from "../backend/helpers";

const MIB = 1024 * 1024;
const ACTION_TIMEOUT_MS = 2000;
let backend: TestBackend;
beforeAll(async () => {
  // The budget holds one maximal body and a little more at once.
  backend = await startTestBackend({ inFlightBudgetBytes: 24 * MIB, actionTimeoutMs: ACTION_TIMEOUT_MS });
});
afterAll(async () => {
  await backend.destroy();
});

/** Sends a request with exactly this target (fetch would resolve its dot segments first). */
function raw(origin: string, target: string, method = "GET", body = ""): Promise<{ status: number; body: string }> {
  const { port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () =>
      socket.write(
        `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      ),
    );
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const chunked = /transfer-encoding: chunked/i.test(head);
      const payload = rest.join("\r\n\r\n");
      resolve({
        status: Number(head.split(" ")[1]),
        // Enough de-chunking for the short bodies here.
        body: chunked
          ? payload
              .split("\r\n")
              .filter((_, i) => i % 2 === 1)
              .join("")
          : payload,
      });
    });
  });
}

const QUERY_BODY = JSON.stringify({ path: "contacts:listByOwner", args: [{ owner: "o" }], format: "convex_encoded_json" });

/** Each target's response, the requests sent at once. */
async function each(origin: string, targets: string[], method = "GET", body = "") {
  const responses = await Promise.all(targets.map((target) => raw(origin, target, method, body)));
  return Object.fromEntries(targets.map((target, i) => [target, responses[i]!]));
}

const allTo = <T>(targets: string[], value: T) => Object.fromEntries(targets.map((target) => [target, value]));

describe("paths", () => {
  it("resolve dot segments, plain or encoded, as Convex's URL parser does, staying among the HTTP routes", async () => {
    const targets = ["/../hello", "/files/../hello", "/files/%2E%2E/%2e%2e/hello", "/files\\..\\hello"];
    expect(await each(backend.siteUrl, targets)).toEqual(allTo(targets, { status: 200, body: "hello" }));
  });

  it("keep encoded slashes encoded: a prefix route gets the path as sent, and nothing is read from disk", async () => {
    const targets = ["/files/..%2F..%2Fadmin-key", "/files/%2e%2e%2f%2e%2e%2fadmin-key"];
    for (const [target, response] of Object.entries(await each(backend.siteUrl, targets))) {
      expect(response.status, target).toBe(200);
      expect((JSON.parse(response.body) as { path: string }).path, target).toBe(target);
      expect(response.body).not.toContain(backend.adminKey);
    }
  });

  it("never reach Convex's API or the data directory, however they are spelled", async () => {
    const notFound = { status: 404, body: "No matching routes found" };
    const api = ["/api/query", "/files/../../api/query", "/%61pi/query", "/api%2Fquery"];
    expect(await each(backend.siteUrl, api, "POST", QUERY_BODY)).toEqual(allTo(api, notFound));
    const files = ["/../admin-key", "/_build/worker.mjs", "/../../etc/passwd", "//hello", "/hello/"];
    expect(await each(backend.siteUrl, files)).toEqual(allTo(files, notFound));
    // On the cloud URL, what follows /http/ is an HTTP action's path, dot segments and all.
    expect(await raw(backend.url, "/http/../api/query", "POST", QUERY_BODY)).toEqual(notFound);
    expect(await raw(backend.url, "/http/files/../hello")).toEqual({ status: 200, body: "hello" });
  });

  it("refuse a target that names another host", async () => {
    expect((await raw(backend.siteUrl, "http://evil.example/hello")).status).toBe(400);
  });
});

/** A POST to the site URL with a declared length (or chunked); the caller writes the body. */
function upload(
  path: string,
  contentLength: number | null,
): { req: ClientRequest; response: Promise<{ status: number; text: string }> } {
  const req = request(`${backend.siteUrl}${path}`, {
    method: "POST",
    headers: contentLength === null ? {} : { "Content-Length": String(contentLength) },
  });
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
  });
  // Once refused, the server stops reading; what the client still writes may fail. That is fine.
  response.catch(() => undefined);
  req.flushHeaders();
  return { req, response };
}

const stillServing = async () => {
  expect(await (await fetch(`${backend.siteUrl}/hello`)).text()).toBe("hello");
  expect((await fetch(`${backend.url}/version`)).status).toBe(200);
};

describe("request bodies", () => {
  it("refuses a body declared over 20 MiB before reading it (413)", async () => {
    const { req, response } = upload("/echo", HTTP_ACTION_BODY_LIMIT + 1);
    req.write(Buffer.alloc(1024));
    expect(await response).toEqual({ status: 413, text: "Failed to buffer the body: length limit exceeded" });
    req.destroy();
    await stillServing();
  });

  it("stops reading a body without a declared length once it passes 20 MiB", async () => {
    const { req, response } = upload("/echo", null);
    let settled = false;
    void response.finally(() => (settled = true));
    const chunk = Buffer.alloc(MIB, 1);
    for (let written = 0; !settled && written < 2 * HTTP_ACTION_BODY_LIMIT; written += chunk.length) {
      await new Promise<void>((resolve) => req.write(chunk, () => resolve()));
    }
    expect((await response).status).toBe(413);
    req.destroy();
    await stillServing();
  });

  it("holds a slow body's bytes within the budget while others are served, then runs its handler", async () => {
    // A slow upload of 20 MiB: admitted, its share held while it trickles in.
    const slow = upload("/length", HTTP_ACTION_BODY_LIMIT);
    slow.req.write(Buffer.alloc(64 * 1024, 2));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stillServing();
    // Another large upload does not fit beside it: refused at once, not buffered.
    const second = upload("/length", 8 * MIB);
    expect((await second.response).status).toBe(429);
    second.req.destroy();
    // The slow one completes, and its handler sees every byte.
    slow.req.end(Buffer.alloc(HTTP_ACTION_BODY_LIMIT - 64 * 1024, 2));
    expect(await slow.response).toEqual({ status: 200, text: String(HTTP_ACTION_BODY_LIMIT) });
    // Its share was given back.
    const third = upload("/length", 8 * MIB);
    third.req.end(Buffer.alloc(8 * MIB, 3));
    expect(await third.response).toEqual({ status: 200, text: String(8 * MIB) });
  });
});

describe("a handler that never yields", () => {
  it("is stopped at the action deadline with Convex's timeout error, the backend serving meanwhile", async () => {
    const started = performance.now();
    const spinning = fetch(`${backend.siteUrl}/spin`, { method: "POST" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stillServing();
    const response = await spinning;
    expect(response.status).toBe(500);
    expect(((await response.json()) as { code: string }).code).toMatch(
      /^\[Request ID: [0-9a-f]+\] Server Error: Function execution timed out \(maximum duration: 2s\)$/,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(ACTION_TIMEOUT_MS - 50);
    await stillServing();
  });
});
