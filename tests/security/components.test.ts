/**
 * Issue 21.5: a component's functions and tables are the app's to use, never a client's.
 * - No path a client can send runs a component's function: HTTP `/api/query|mutation|action`
 *   with any spelling of a component path or a function handle, `/api/function` or the sync
 *   protocol with a `componentPath` (admins only, as in Convex).
 * - Function handles are unforgeable: a made-up one, or one made by another deployment, names
 *   no function.
 * - The app's functions cannot read a component's documents, nor take their ids for their own.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ComponentAddressing } from "../../local-backend/features/components/addressing";
import { api } from "../backend/fixtures/components/convex/_generated/api";
import { adminClient, componentsBackend, serverText, waitFor } from "../backend/helpers";
import { RawSyncClient } from "../backend/raw-sync";

const fixture = componentsBackend();

/** Posts raw JSON to one of the HTTP API's endpoints. */
async function post(
  endpoint: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${fixture.backend.url}/api/${endpoint}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ format: "convex_encoded_json", ...body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The counter component's counters, read the only legitimate way: through the app. */
async function componentCounters(): Promise<{ name: string; value: number }[]> {
  return await fixture.http.query(api.calls.componentCounters, {});
}

describe("a client never runs a component's function", () => {
  it("over HTTP, by any path, with or without a componentPath in the body", async () => {
    const before = await componentCounters();
    const handle = (await fixture.http.query(api.calls.throughHandle, {})).handle;
    const paths = [
      "counters:increment",
      "counters.js:increment",
      "counter/counters:increment",
      "counter:counters:increment",
      "counter.counters.increment",
      "_reference/childComponent/counter/counters/increment",
      "lib:rateLimit",
      "public:insert",
      handle,
    ];
    for (const endpoint of ["query", "mutation", "action", "function"]) {
      for (const path of paths) {
        const { status, body } = await post(endpoint, { path, args: [{ name: "intruder" }] });
        expect(status, `${endpoint} ${path}`).toBe(560);
        expect(String(body.errorMessage)).toMatch(/Could not find (public )?function for/);
      }
      // Only /api/function takes a component path (Convex reads it for admins alone); elsewhere it is ignored.
      const { status } = await post(endpoint, {
        path: "counters:increment",
        componentPath: "counter",
        args: [{ name: "intruder" }],
      });
      expect(status, endpoint).toBe(endpoint === "function" ? 403 : 560);
    }
    expect(await componentCounters()).toEqual(before);
  });

  it("/api/function with a componentPath needs the admin key (which may use it)", async () => {
    const refused = await post("function", { path: "counters:list", componentPath: "counter", args: [{}] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("BadDeployKey");
    const admin = await post(
      "function",
      { path: "counters:list", componentPath: "counter", args: [{}] },
      { Authorization: `Convex ${fixture.backend.adminKey}` },
    );
    expect(admin.status).toBe(200);
    expect(admin.body.value).toEqual(await componentCounters());
  });

  it("over the sync protocol: a query, mutation or action with a componentPath ends the session", async () => {
    const before = await componentCounters();
    const messages = [
      {
        type: "ModifyQuerySet",
        baseVersion: 0,
        newVersion: 1,
        modifications: [{ type: "Add", queryId: 1, udfPath: "counters:list", args: [{}], componentPath: "counter" }],
      },
      { type: "Mutation", requestId: 0, udfPath: "counters:increment", args: [{ name: "intruder" }], componentPath: "counter" },
      { type: "Action", requestId: 0, udfPath: "counters:whoamiInAction", args: [{}], componentPath: "counter" },
    ];
    for (const message of messages) {
      const raw = await RawSyncClient.open(fixture.backend.url);
      raw.send(message);
      const fatal = await raw.next((m) => m.type === "FatalError");
      expect(fatal.error).toBe("Only admin or system users can call functions on non-root components directly");
      await waitFor(() => raw.closed, 3000, "the session to end");
      expect(raw.received.some((m) => m.type === "Transition" && (m.modifications as unknown[]).length > 0)).toBe(false);
    }
    expect(await componentCounters()).toEqual(before);
  });

  it("a component path for an admin over sync is accepted (the refusal is about who asks)", async () => {
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({ type: "Authenticate", tokenType: "Admin", value: fixture.backend.adminKey, baseVersion: 0 });
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 1, udfPath: "counters:list", args: [{}], componentPath: "counter" }],
    });
    const transition = await raw.next(
      (m) => m.type === "Transition" && (m.modifications as { type: string }[]).some((x) => x.type === "QueryUpdated"),
    );
    const updated = (transition.modifications as { type: string; value: unknown }[]).find((x) => x.type === "QueryUpdated");
    expect(updated?.value).toEqual(await componentCounters());
    raw.close();
  });
});

describe("function handles cannot be forged", () => {
  it("a made-up handle, or one another deployment made for the same function, names nothing", async () => {
    const { handle } = await fixture.http.query(api.calls.throughHandle, {});
    const fn = {
      path: "counters:secret",
      component: "counter",
      definition: "../counter",
      kind: "query",
      visibility: "internal",
      args: null,
      returns: null,
      environment: "isolate",
    } as const;
    const otherDeployment = new ComponentAddressing(randomBytes(32)).createHandle(fn);
    expect(otherDeployment).not.toBe(handle);
    const [, id] = /^function:\/\/([0-9a-z]+)#/.exec(handle)!;
    const forged = [
      otherDeployment,
      // The same id with one character changed (its checksum fails, or it names no function).
      handle.replace(id!, `${id!.slice(0, -3)}${id!.endsWith("0") ? "1" : "0"}${id!.slice(-2)}`),
      `function://${"0".repeat(32)}#counters:secret`,
      "function://counters:secret",
      "counters:secret",
    ];
    for (const candidate of forged) {
      const error = await fixture.http.query(api.calls.callHandle, { handle: candidate }).catch((e: unknown) => e);
      expect(error, candidate).toBeInstanceOf(Error);
      expect(serverText(error)).toMatch(
        /Uncaught Error: (Function handle not found|Invalid argument `functionHandle` for `runUdf`: Invalid function handle|Could not find public function for 'counters:secret')/,
      );
    }
    // The genuine handle still works.
    expect(await fixture.http.query(api.calls.callHandle, { handle })).toBe("only through a handle");
  });
});

describe("the app cannot read a component's tables", () => {
  it("a component's document id is no id of the app's: db.get finds nothing, normalizeId and v.id() do not take it", async () => {
    await fixture.http.mutation(api.calls.increment, { name: "confidential" });
    const id = await fixture.http.query(api.calls.componentIdOf, { name: "confidential" });
    expect(typeof id).toBe("string");
    // Found nowhere in the app's tables (Convex answers a get on a table it does not have with null).
    expect(await fixture.http.query(api.calls.readById, { id: id! })).toBeNull();
    expect(await fixture.http.query(api.calls.normalizeId, { id: id! })).toBeNull();
    // An app function that takes an id of its own table refuses it at validation.
    const removed = await fixture.http.mutation(api.notes.remove, { id: id as never }).catch((e: unknown) => e);
    expect(serverText(removed)).toContain("ArgumentValidationError");
    // And an admin reading as the app finds nothing either.
    const admin = adminClient(fixture.backend.url, fixture.backend.adminKey);
    expect(await admin.query(api.calls.normalizeId, { id: id! })).toBeNull();
  });
});
