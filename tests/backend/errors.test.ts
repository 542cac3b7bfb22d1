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
import { serverText, startTestBackend, type TestBackend } from "./helpers";

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

const failure = (run: () => Promise<unknown>): Promise<unknown> =>
  run().then(
    () => "no error",
    (e: unknown) => e,
  );

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

describe("error text as Convex writes it (crates/application/src/redaction.rs, crates/common/src/errors.rs)", () => {
  const requestLine = /^\[Request ID: [0-9a-f]+\] Server Error\n/;

  it("an Error: the request line, then Uncaught Error: message", async () => {
    const text = serverText(await failure(() => client.query(api.fidelity.failPlain, {})));
    expect(text).toMatch(requestLine);
    expect(text.replace(requestLine, "")).toMatch(/^Uncaught Error: plain query failure\n/);
  });

  it("a ConvexError: Uncaught ConvexError: its message, with its data", async () => {
    const error = await failure(() => client.query(api.fidelity.failConvexError, {}));
    expect(serverText(error)).toMatch(
      /^\[Request ID: [0-9a-f]+\] Server Error\nUncaught ConvexError: \{"code":"QUERY_REFUSED"\}\n/,
    );
    expect((error as ConvexError<Value>).data).toEqual({ code: "QUERY_REFUSED" });
  });

  it("a ConvexError subclass under its own name, and so when an action's runQuery rethrows it", async () => {
    const error = await failure(() => client.query(api.fidelity.failQuotaError, {}));
    expect(serverText(error)).toMatch(/Server Error\nUncaught QuotaError: \{"remaining":0\}\n/);
    expect((error as ConvexError<Value>).data).toEqual({ remaining: 0 });
    const viaAction = await failure(() => client.action(api.fidelity.runFailingQuota, {}));
    expect(serverText(viaAction)).toMatch(/Server Error\nUncaught ConvexError: Uncaught QuotaError: \{"remaining":0\}\n/);
    expect((viaAction as ConvexError<Value>).data).toEqual({ remaining: 0 });
  });

  it("a thrown non-Error as V8 reports it", async () => {
    expect(serverText(await failure(() => client.query(api.fidelity.throwString, {})))).toMatch(
      /Server Error\nUncaught not an Error\n$/,
    );
  });

  it("a missing function (crates/udf/src/validation.rs), and one of another type", async () => {
    const missing = anyApi.fidelity!.doesNotExist! as unknown as typeof api.fidelity.failPlain;
    expect(serverText(await failure(() => client.query(missing, {})))).toMatch(
      /^\[Request ID: [0-9a-f]+\] Server Error\nCould not find public function for 'fidelity:doesNotExist'\. Did you forget to run `npx convex dev`\?\n$/,
    );
    const http = new ConvexHttpClient(backend.url);
    const asQuery = api.fidelity.double as unknown as typeof api.fidelity.failPlain;
    expect(serverText(await failure(() => http.query(asQuery, {})))).toMatch(
      /Server Error\nTrying to execute fidelity\.js:double as Query, but it is defined as Mutation\.\n$/,
    );
  });
});
