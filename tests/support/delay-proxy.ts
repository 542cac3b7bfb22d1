/**
 * A proxy in front of the Convex backend that puts a network between it and its clients: every
 * HTTP request and response and every WebSocket message waits `oneWayMs` in each direction, so
 * the app server and the browser, both pointed at the proxy, see Convex one round trip of
 * 2 × oneWayMs away. It also logs the HTTP requests it forwards, so tests can count them.
 */
import { Agent, createServer, type IncomingHttpHeaders, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

export interface ProxiedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  path: string;
  /** When the request reached the proxy (performance.now()). */
  receivedAt: number;
  /** When its answer left the proxy for the client; absent until then (and for WebSockets). */
  answeredAt?: number;
}

export interface DelayProxy {
  readonly url: string;
  /**
   * Delay of each message in each direction, in ms. Change it only while no messages are in
   * flight: messages keep their order because equal delays fire in the order they were set.
   */
  oneWayMs: number;
  /** HTTP requests forwarded so far (WebSocket upgrades are listed as method "WS"). */
  readonly requests: ProxiedRequest[];
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

export async function startDelayProxy(options: { target: string; port?: number; oneWayMs?: number }): Promise<DelayProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<WebSocket>();
  const requests: ProxiedRequest[] = [];
  const proxy = {
    oneWayMs: options.oneWayMs ?? 0,
    requests,
  };
  const later = (fn: () => void) => {
    if (proxy.oneWayMs > 0) setTimeout(fn, proxy.oneWayMs);
    else fn();
  };

  const server = createServer((req, res) => {
    const logged: ProxiedRequest = { method: req.method ?? "GET", path: req.url ?? "/", receivedAt: performance.now() };
    requests.push(logged);
    const body: Buffer[] = [];
    req.on("data", (chunk: Buffer) => body.push(chunk));
    req.on("end", () =>
      later(() => {
        const upstream = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...endToEnd(req.headers), host: target.host },
            agent,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () =>
              later(() => {
                const payload = Buffer.concat(chunks);
                res.writeHead(response.statusCode ?? 502, {
                  ...endToEnd(response.headers),
                  "content-length": String(payload.length),
                });
                res.end(payload);
                logged.answeredAt = performance.now();
              }),
            );
          },
        );
        upstream.on("error", (error) => {
          if (res.headersSent) return res.destroy();
          res.writeHead(502, { "content-type": "text/plain" }).end(`delay proxy: ${error.message}`);
        });
        upstream.end(Buffer.concat(body));
      }),
    );
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    requests.push({ method: "WS", path: req.url ?? "/", receivedAt: performance.now() });
    // The handshake crosses the network too: one way to reach Convex, one way back.
    later(() => {
      const upstream = new WebSocket(`ws://${target.host}${req.url ?? "/"}`, {
        headers: endToEnd(req.headers) as Record<string, string>,
      });
      const failed = () => socket.destroy();
      upstream.once("error", failed);
      upstream.once("open", () =>
        later(() => {
          upstream.off("error", failed);
          wss.handleUpgrade(req, socket, head, (client) => relay(client, upstream));
        }),
      );
    });
  });

  function relay(client: WebSocket, upstream: WebSocket) {
    sockets.add(client).add(upstream);
    const pipe = (from: WebSocket, to: WebSocket) => {
      from.on("message", (data, isBinary) =>
        later(() => {
          if (to.readyState === WebSocket.OPEN) to.send(data, { binary: isBinary });
        }),
      );
      from.on("close", (code, reason) =>
        later(() => {
          sockets.delete(from);
          // 1005 (no code) and 1006 (abnormal) may not be sent in a close frame.
          if (code === 1005 || code === 1006) to.close();
          else to.close(code, reason);
        }),
      );
      from.on("error", () => to.terminate());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.terminate();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
