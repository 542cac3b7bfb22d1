/**
 * What a client can make the backend hold before it knows who is asking. A request is at most
 * what Convex's public API accepts (16 MiB of function arguments plus 2,000 bytes for the rest
 * of the request), and all request bytes held at once (bodies being received, sync messages
 * being received or handled), across every connection, share one budget. Past the limit a
 * request is refused before it is read: 413 for one too large, 429 `TooManyConcurrentRequests`
 * (sync: close code 1013 with that reason, which the client backs off from) for a full budget.
 */
import type { Socket } from "node:net";
import { WebSocket } from "ws";
import { MAX_ARGS_BYTES } from "../runtime/runtime";

/** The largest HTTP body or sync message accepted: Convex's MAX_BACKEND_PUBLIC_API_REQUEST_SIZE. */
export const MAX_REQUEST_BYTES = MAX_ARGS_BYTES + 2000;
/** Request bytes held at once across all connections, by default: four maximal requests. */
export const IN_FLIGHT_BUDGET_BYTES = 4 * MAX_REQUEST_BYTES;

const MIB = 1024 * 1024;

export function tooLargeMessage(bytes: number | null): string {
  const size = bytes === null ? "larger than" : `${bytes} bytes; more than`;
  return `Request is ${size} the maximum of ${MAX_REQUEST_BYTES} bytes (${MAX_ARGS_BYTES / MIB} MiB of function arguments plus 2000 bytes)`;
}

/** Convex's short code for "come back later", which its client backs off from. */
export const OVER_BUDGET_CODE = "TooManyConcurrentRequests";

export function overBudgetMessage(budget: ByteBudget): string {
  return `The backend already holds ${Math.ceil(budget.limit / MIB)} MiB of request data; try again shortly.`;
}

/** A share of the budget held by one request or connection; `end()` gives it all back. */
export interface Lease {
  /** Holds `bytes` in all if the budget has room (or `force`: bytes already received); false if not. */
  resize(bytes: number, force?: boolean): boolean;
  end(): void;
}

export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  lease(): Lease {
    let held = 0;
    let ended = false;
    return {
      resize: (bytes, force = false) => {
        if (ended) return false;
        if (bytes > held && !force && this.used + (bytes - held) > this.limit) return false;
        this.used += bytes - held;
        held = bytes;
        return true;
      },
      end: () => {
        if (ended) return;
        ended = true;
        this.used -= held;
        held = 0;
      },
    };
  }
}

/**
 * The sync socket class: `ws` closes a connection whose message exceeds `maxPayload` with 1009
 * and no reason; this one says what the limit is.
 */
export class LimitedWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    if (code === 1009 && data === undefined) {
      super.close(code, `Message too large: a sync message may hold at most ${MAX_ARGS_BYTES / MIB} MiB of function arguments`);
      return;
    }
    super.close(code, data);
  }
}

/**
 * Counts the bytes of a sync message still being received against the budget (what arrived since
 * the last complete message; `ws` emits messages before this listener runs), and ends the
 * connection with 1013 when the budget has no room for them.
 */
export function meterIncoming(ws: WebSocket, socket: Socket, budget: ByteBudget): void {
  const receiving = budget.lease();
  let mark = socket.bytesRead;
  ws.on("message", () => {
    mark = socket.bytesRead;
    receiving.resize(0);
  });
  socket.on("data", () => {
    // A closing socket's further bytes are discarded by `ws`, not held.
    if (ws.readyState !== WebSocket.OPEN || receiving.resize(socket.bytesRead - mark)) return;
    receiving.end();
    socket.pause();
    ws.close(1013, `${OVER_BUDGET_CODE}: ${overBudgetMessage(budget)}`);
    setTimeout(() => ws.terminate(), 1000).unref();
  });
  ws.on("close", () => receiving.end());
}
