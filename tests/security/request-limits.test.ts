/**
 * Issue 11.5: a client cannot make the backend hold more than Convex accepts before it knows who
 * is asking. An HTTP body or sync message is at most 16 MiB of arguments plus 2000 bytes, and
 * refused from its declared length (HTTP 413, WebSocket close 1009 with the limit as reason)
 * before its payload is read; all request bytes held at once share one budget, and a request or
 * message that does not fit is refused (HTTP 429 / close 1013 `TooManyConcurrentRequests`, which
 * the Convex client backs off from) while the requests already admitted complete normally.
 * The budget is set small here (1 MiB) so the test needs no large allocations.
 */
import { randomBytes } from "node:crypto";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startLocalBackend, type LocalBackend } from "../../local-backend/index";
import { MAX_REQUEST_BYTES } from "../../local-backend/protocol/limits";
import { FIXTURE_FUNCTIONS, tempDir } from "../backend/helpers";

const BUDGET = 1024 * 1024;
let backend: LocalBackend;
let dataDir: string;

beforeAll(async () => {
  dataDir = await tempDir();
  backend = await startLocalBackend({
    port: 0,
    dataDir,
    functionsDir: FIXTURE_FUNCTIONS,
    log: () => undefined,
    inFlightBudgetBytes: BUDGET,
  });
});
afterAll(async () => {
  await backend.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A query body of exactly `bytes` bytes (the owner string pads it). */
function queryBody(bytes: number): Buffer {
  const head = '{"path":"contacts:listByOwner","format":"convex_encoded_json","args":[{"owner":"';
  const tail = '"}]}';
  return Buffer.from(head + "x".repeat(bytes - head.length - tail.length) + tail);
}

interface Response {
  status: number;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

/** Starts a POST with the given Content-Length (or chunked if null); the caller writes the body. */
function post(path: string, contentLength: number | null): { req: ClientRequest; response: Promise<Response> } {
  const req = request(`${backend.url}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(contentLength !== null ? { "Content-Length": String(contentLength) } : {}),
    },
  });
  const response = new Promise<Response>((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
        }),
      );
    });
    req.on("error", reject);
  });
  // Once refused, the server stops reading; what the client still writes may fail. That is fine.
  response.catch(() => undefined);
  req.flushHeaders();
  return { req, response };
}

async function sendQuery(bytes: number): Promise<Response> {
  const { req, response } = post("/api/query", bytes);
  req.end(queryBody(bytes));
  return await response;
}

describe("HTTP request bodies", () => {
  it("refuses a body whose declared length exceeds Convex's limit before reading it (413)", async () => {
    const { req, response } = post("/api/mutation", 100 * 1024 * 1024);
    req.write(Buffer.alloc(1024, 0x20)); // a kilobyte of a declared 100 MiB: the answer comes anyway
    const { status, headers, body } = await response;
    req.destroy();
    expect(status).toBe(413);
    expect(headers.connection).toBe("close");
    expect(body).toEqual({
      code: "RequestTooLarge",
      message: `Request is ${100 * 1024 * 1024} bytes; more than the maximum of ${MAX_REQUEST_BYTES} bytes (16 MiB of function arguments plus 2000 bytes)`,
    });
  });

  it("refuses a burst of large bodies beyond the in-flight budget (429) and serves the admitted one", async () => {
    // A is admitted and holds 700 KB of the 1 MiB budget while its body is still on the way.
    const size = 700 * 1024;
    const a = post("/api/query", size);
    const bodyA = queryBody(size);
    a.req.write(bodyA.subarray(0, 1000));
    // A burst of 400 KB bodies: refused for as long as A holds its share. (The first ones may
    // reach the server before A's headers; those are simply served.)
    let refused: Response | null = null;
    while (!refused) {
      const burst = await Promise.all([1, 2, 3].map(() => sendQuery(400 * 1024)));
      refused = burst.find((r) => r.status === 429) ?? null;
      for (const r of burst) expect([200, 429]).toContain(r.status);
    }
    expect(refused.body).toEqual({
      code: "TooManyConcurrentRequests",
      message: "The backend already holds 1 MiB of request data; try again shortly.",
    });
    // A completes normally, and its share is given back.
    a.req.end(bodyA.subarray(1000));
    expect(await a.response).toMatchObject({ status: 200, body: { status: "success", value: [] } });
    expect((await sendQuery(900 * 1024)).status).toBe(200);
  });

  it("refuses a body without a declared length once it stops fitting", async () => {
    const { req, response } = post("/api/query", null);
    let settled = false;
    void response.finally(() => (settled = true));
    for (let written = 0; !settled && written < 4 * BUDGET; written += 64 * 1024) {
      await new Promise<void>((resolve) => req.write(randomBytes(32 * 1024).toString("hex"), () => resolve()));
    }
    const { status, body } = await response;
    req.destroy();
    expect(status).toBe(429);
    expect(body.code).toBe("TooManyConcurrentRequests");
  });
});

describe("validation errors", () => {
  it("quote at most 16,384 characters of the value, as the convex client does", async () => {
    const response = await fetch(`${backend.url}/api/query`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        path: "contacts:listByOwner",
        args: [{ owner: "o", extra: "e".repeat(500 * 1024) }],
        format: "convex_encoded_json",
      }),
    });
    const { errorMessage } = (await response.json()) as { errorMessage: string };
    expect(errorMessage).toContain("Object contains extra field `extra` that is not in the validator.");
    expect(errorMessage).toContain("[...truncated]");
    expect(errorMessage.length).toBeLessThan(17 * 1024);
  });
});

/** Opens a sync WebSocket with the `ws` client (which can send a message in fragments). */
async function openSync(): Promise<WebSocket> {
  const ws = new WebSocket(`${backend.url.replace(/^http/, "ws")}/api/1.48.0/sync`);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  ws.on("error", () => undefined);
  ws.send(
    JSON.stringify({
      type: "Connect",
      sessionId: crypto.randomUUID(),
      connectionCount: 0,
      lastCloseReason: null,
      clientTs: Date.now(),
    }),
  );
  return ws;
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Resolves once the server has read everything sent on `ws` so far (pongs come in order). */
async function flushed(ws: WebSocket): Promise<void> {
  const pong = new Promise<void>((resolve) => ws.once("pong", () => resolve()));
  ws.ping();
  await pong;
}

function nextMessage(ws: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString();
      const message = JSON.parse(text) as Record<string, unknown>;
      if (message.type !== type) return;
      ws.off("message", onMessage);
      resolve(message);
    };
    ws.on("message", onMessage);
  });
}

describe("sync messages", () => {
  it("closes a connection whose message header declares more than the limit, with the limit as the reason (1009)", async () => {
    // A hand-made upgrade and frame header: the payload it announces is never sent.
    const { port } = new URL(backend.url);
    const socket = connect(Number(port), "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(
      `GET /api/1.48.0/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const header = Buffer.alloc(14);
    header[0] = 0x81; // FIN + text
    header[1] = 0x80 | 127; // masked, 64-bit length
    header.writeBigUInt64BE(BigInt(MAX_REQUEST_BYTES + 1), 2);
    socket.write(Buffer.concat([header, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])]));
    await ended;
    const all = Buffer.concat(received);
    const frame = all.subarray(all.indexOf("\r\n\r\n") + 4);
    expect(frame[0]).toBe(0x88); // close
    const payload = frame.subarray(2, 2 + (frame[1]! & 0x7f));
    expect(payload.readUInt16BE(0)).toBe(1009);
    expect(payload.subarray(2).toString()).toBe(
      "Message too large: a sync message may hold at most 16 MiB of function arguments",
    );
  });

  it("closes a connection whose message does not fit in the budget (1013), serving the one admitted", async () => {
    const a = await openSync();
    const prefix = '{"type":"Event","eventType":"padding","event":"';
    a.send(prefix + "y".repeat(700 * 1024), { fin: false });
    await flushed(a);

    const b = await openSync();
    const bClosed = closed(b);
    b.send("z".repeat(700 * 1024), { fin: false });
    expect(await bClosed).toEqual({
      code: 1013,
      reason: "TooManyConcurrentRequests: The backend already holds 1 MiB of request data; try again shortly.",
    });

    // A finishes its message, then is served as usual.
    a.send('"}', { fin: true });
    const transition = nextMessage(a, "Transition");
    a.send(
      JSON.stringify({
        type: "ModifyQuerySet",
        baseVersion: 0,
        newVersion: 1,
        modifications: [{ type: "Add", queryId: 0, udfPath: "contacts:listByOwner", args: [{ owner: "a" }] }],
      }),
    );
    expect((await transition).modifications).toEqual([
      { type: "QueryUpdated", queryId: 0, value: [], logLines: [], journal: null },
    ]);

    // Its share was given back: another large message fits again.
    const c = await openSync();
    const cTransition = nextMessage(c, "Transition");
    c.send(
      JSON.stringify({
        type: "ModifyQuerySet",
        baseVersion: 0,
        newVersion: 1,
        modifications: [{ type: "Add", queryId: 0, udfPath: "contacts:listByOwner", args: [{ owner: "c".repeat(900 * 1024) }] }],
      }),
    );
    expect((await cTransition).modifications).toMatchObject([{ type: "QueryUpdated", value: [] }]);
    a.close();
    c.close();
  });
});
