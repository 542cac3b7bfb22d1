/**
 * Errors as the clients see them from Convex. The clients make a `ConvexError` (with `data`) of a
 * failure only when the server sent `errorData` (remote_query_set.ts, request_manager.ts,
 * http_client.ts in node_modules/convex/src/browser); Convex sends it only for a ConvexError the
 * function threw (convex-backend crates/convex/sync_types/src/types/json.rs).
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { anyApi } from "convex/server";
import { ConvexError, type Value } from "convex/values";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { startTestBackend, type TestBackend } from "./helpers";

let backend: TestBackend;
let client: ConvexClient;
beforeAll(async () => {
  backend = await startTestBackend();
  client = new ConvexClient(backend.url);
});
afterAll(async () => {
  await client.close();
  await backend.destroy();
});

const failure = (run: () => Promise<unknown>): Promise<unknown> => run().then(() => "no error", (e: unknown) => e);

describe("failed queries over the WebSocket", () => {
  it("a ConvexError thrown by the query arrives as a ConvexError with its data", async () => {
    const error = await failure(() => client.query(api.fidelity.failConvexError, {}));
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<Value>).data).toEqual({ code: "QUERY_REFUSED" });
  });

  it("any other failure is a plain Error, not a ConvexError with null data", async () => {
    const missing = anyApi.fidelity!.doesNotExist! as unknown as typeof api.fidelity.failPlain;
    for (const error of [
      await failure(() => client.query(api.fidelity.failPlain, {})),
      await failure(() => client.query(missing, {})),
    ]) {
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ConvexError);
      expect(error).not.toHaveProperty("data");
    }
  });

  it("over HTTP likewise", async () => {
    const http = new ConvexHttpClient(backend.url);
    expect(await failure(() => http.query(api.fidelity.failPlain, {}))).not.toBeInstanceOf(ConvexError);
    const error = await failure(() => http.query(api.fidelity.failConvexError, {}));
    expect((error as ConvexError<Value>).data).toEqual({ code: "QUERY_REFUSED" });
  });
});
