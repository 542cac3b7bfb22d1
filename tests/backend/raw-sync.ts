/** A bare WebSocket client for checking the sync protocol's messages one by one. */
export type ServerMessage = Record<string, unknown> & { type: string };

export class RawSyncClient {
  readonly received: ServerMessage[] = [];
  private waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  closed = false;

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as ServerMessage;
      this.received.push(message);
      let taken = false;
      this.waiters = this.waiters.filter((w) => {
        if (taken || !w.match(message)) return true;
        taken = true;
        w.resolve(message);
        return false;
      });
    });
    ws.addEventListener("close", () => {
      this.closed = true;
    });
  }

  static async open(baseUrl: string, sessionId = crypto.randomUUID()): Promise<RawSyncClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/1.48.0/sync`);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error("WebSocket failed to open")), { once: true });
    });
    const client = new RawSyncClient(ws);
    client.send({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: null, clientTs: Date.now() });
    return client;
  }

  send(message: object | string): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  private readonly returned = new Set<ServerMessage>();

  /** The first matching message not returned before (already received or still to come). */
  next(match: (m: ServerMessage) => boolean, timeoutMs = 3000): Promise<ServerMessage> {
    const earlier = this.received.find((m) => !this.returned.has(m) && match(m));
    if (earlier) {
      this.returned.add(earlier);
      return Promise.resolve(earlier);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for a server message")), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          this.returned.add(m);
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

export function decodeTs(encoded: unknown): bigint {
  return Buffer.from(String(encoded), "base64").readBigUInt64LE();
}
