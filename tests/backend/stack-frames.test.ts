/**
 * A failed function's error ends with its own stack frames, as Convex appends them (convex-backend
 * crates/common/src/errors.rs: `JsError::from_frames` maps V8's frames through the build's source
 * maps and drops the harness frames around the function's own; `FrameData`'s Display writes
 * `    at name (file:line:col)`; JsError's Display puts one frame per line after the error line).
 * Files are named as the CLI's build names them: relative to `out/<module's folder>/`, where it
 * writes each module (node_modules/convex/src/bundler). Positions are the fixture's own, read from
 * its source here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConvexClient } from "convex/browser";
import { ConvexError, type Value } from "convex/values";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import type { Id } from "./fixtures/convex/_generated/dataModel";
import { FIXTURE_FUNCTIONS, fixtureBackend, serverText, waitFor } from "./helpers";

const fixture = fixtureBackend();
let ws: ConvexClient;
beforeAll(() => {
  ws = new ConvexClient(fixture.backend.url);
});
// Registered after the backend's: runs before it is destroyed.
afterAll(async () => {
  await ws.close();
});

/**
 * `line:col` (1-based, as V8 counts) of `call` in the one line of a fixture module that holds
 * `context` (by default the call itself).
 */
function at(module: string, call: string, context = call): string {
  const lines = readFileSync(join(FIXTURE_FUNCTIONS, `${module}.ts`), "utf8").split("\n");
  const found = lines.flatMap((line, i) =>
    line.includes(context) ? [[i + 1, line.indexOf(context) + context.indexOf(call) + 1]] : [],
  );
  expect(found, `${context} appears once in ${module}.ts`).toHaveLength(1);
  return `${found[0]![0]}:${found[0]![1]}`;
}

const helperFrames =
  `    at inner (../convex/frames.ts:${at("frames", "new Error(message)")})\n` +
  `    at outer (../convex/frames.ts:${at("frames", "inner(message)")})\n`;

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

/** The text after "[Request ID: …] Server Error\n", checking that line is there. */
function jsError(error: Error): string {
  const text = serverText(error);
  expect(text).toMatch(/^\[Request ID: [0-9a-f]+\] Server Error\n/);
  return text.replace(/^\[Request ID: [0-9a-f]+\] Server Error\n/, "");
}

describe("stack frames in a failed function's error", () => {
  it("a query over HTTP: the error line, then the helpers' and the handler's frames", async () => {
    const error = await failure(() => fixture.http.query(api.frames.failQuery, {}));
    expect(jsError(error)).toBe(
      `Uncaught Error: boom\n${helperFrames}    at handler (../convex/frames.ts:${at("frames", 'outer("boom")')})\n`,
    );
  });

  it("the same over the WebSocket (ConvexClient), for a query and for a mutation after an await", async () => {
    const query = await failure(() => ws.query(api.frames.failQuery, {}));
    expect(jsError(query)).toBe(
      `Uncaught Error: boom\n${helperFrames}    at handler (../convex/frames.ts:${at("frames", 'outer("boom")')})\n`,
    );
    const mutation = await failure(() => ws.mutation(api.frames.failMutation, {}));
    expect(jsError(mutation)).toBe(
      `Uncaught Error: mutation boom\n${helperFrames}` +
        `    at handler (../convex/frames.ts:${at("frames", 'outer("mutation boom")')})\n`,
    );
  });

  it("an action (its own worker)", async () => {
    const error = await failure(() => fixture.http.action(api.frames.failAction, {}));
    expect(jsError(error)).toBe(
      `Uncaught Error: action boom\n${helperFrames}` +
        `    at handler (../convex/frames.ts:${at("frames", 'outer("action boom")')})\n`,
    );
  });

  it("a ConvexError: Uncaught ConvexError with its frames, its data still carried", async () => {
    for (const client of [fixture.http, ws]) {
      const error = await failure(() => client.query(api.frames.refuseQuery, {}));
      expect(error).toBeInstanceOf(ConvexError);
      expect((error as ConvexError<Value>).data).toEqual({ code: "REFUSED" });
      expect(jsError(error)).toBe(
        'Uncaught ConvexError: {"code":"REFUSED"}\n' +
          `    at refuse (../convex/frames.ts:${at("frames", "new ConvexError({ code })")})\n` +
          `    at handler (../convex/frames.ts:${at("frames", 'refuse("REFUSED")')})\n`,
      );
    }
  });

  it("a function in a nested module names its files from out/lib/, as the CLI's build does", async () => {
    const error = await failure(() => fixture.http.query(api.lib.frames.failNested, {}));
    expect(jsError(error)).toBe(
      "Uncaught Error: nested boom\n" +
        `    at nestedHelper (../../convex/lib/frames.ts:${at("lib/frames", 'new Error("nested boom")')})\n` +
        `    at handler (../../convex/lib/frames.ts:${at("lib/frames", "nestedHelper()", "=> nestedHelper()")})\n`,
    );
  });

  it("a failed scheduled job records the same frames in state.error (without the request line)", async () => {
    const id: Id<"_scheduled_functions"> = await fixture.http.mutation(api.frames.scheduleFailure, { message: "job boom" });
    const job = await waitFor(
      async () => {
        const found = await fixture.http.query(api.fidelity.job, { id });
        return found?.state.kind === "failed" ? found : null;
      },
      10_000,
      "the job to fail",
    );
    expect(job.state).toEqual({
      kind: "failed",
      error: `Uncaught Error: job boom\n${helperFrames}    at handler (../convex/frames.ts:${at("frames", "outer(message)")})\n`,
    });
  });

  it("nothing of the build, node or the local backend shows", async () => {
    const errors = [
      await failure(() => fixture.http.query(api.frames.failQuery, {})),
      await failure(() => ws.mutation(api.frames.failMutation, {})),
      await failure(() => fixture.http.action(api.frames.failAction, {})),
      await failure(() => fixture.http.query(api.frames.refuseQuery, {})),
      await failure(() => fixture.http.query(api.lib.frames.failNested, {})),
    ];
    for (const error of errors) {
      for (const leak of ["file://", "node_modules", "local-backend", ".mjs", "node:", "invokeQuery", "invokeFunction"]) {
        expect(error.message).not.toContain(leak);
      }
    }
  });
});

describe('a stack read inside a "use node" action', () => {
  it("names the module's frames convex:/user/<module>.js, as Convex's Node runtime does, callee first", async () => {
    const stack = await fixture.http.action(api.nodeStack.stackHere, {});
    expect(stack).toMatch(/^Error: where am I\n/);
    const callee = stack.indexOf("at callee (convex:/user/nodeStack.js:");
    const caller = stack.indexOf("at caller (convex:/user/nodeStack.js:");
    expect(callee).toBeGreaterThan(0);
    expect(caller).toBeGreaterThan(callee);
    expect(stack).not.toContain("nodeStack.mjs");
  });
});
