/**
 * Issue 11.7: argument validation and function paths.
 * - Extra fields whose names exist on Object.prototype (`constructor`, `toString`, …) are extra
 *   fields like any other: validation looks at own properties only, with Convex's message.
 * - `module:fn:extra` names no function (Convex takes the function name after the last `:`).
 * - A failed WebSocket re-authentication ends the session: nothing after it runs as the
 *   identity the connection had before.
 */
import { ConvexHttpClient } from "convex/browser";
import { describe, expect, it } from "vitest";
import { api } from "../backend/fixtures/convex/_generated/api";
import { fixtureBackendWithAuth, ISSUER, signToken } from "../backend/helpers";
import { RawSyncClient } from "../backend/raw-sync";

const fixture = fixtureBackendWithAuth();

/** Calls a function over HTTP with raw JSON (the typed client would not let us send these). */
async function call(
  kind: "query" | "mutation",
  path: string,
  args: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${fixture.backend.url}/api/${kind}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: `{"path":${JSON.stringify(path)},"format":"convex_encoded_json","args":[${args}]}`,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("argument validation uses own properties only", () => {
  for (const field of ["constructor", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf"]) {
    it(`rejects an extra field named ${field} as Convex does`, async () => {
      const { status, body } = await call("mutation", "contacts:addMine", `{"name":"x","${field}":1}`);
      expect(status).toBe(560);
      expect(body.errorMessage).toContain(
        `ArgumentValidationError: Object contains extra field \`${field}\` that is not in the validator.`,
      );
    });
  }

  it("still accepts the declared fields", async () => {
    const { status, body } = await call("query", "contacts:listByOwner", `{"owner":"nobody"}`);
    expect(status).toBe(200);
    expect(body.value).toEqual([]);
  });
});

describe("function paths", () => {
  it("treats extra path segments as an unknown function", async () => {
    const { status, body } = await call("query", "contacts:listByOwner:extra", `{"owner":"nobody"}`);
    expect(status).toBe(560);
    expect(body.errorMessage).toContain("Could not find public function for 'contacts:listByOwner:extra'");
  });

  it("does not run the function through the typed client either", async () => {
    const client = new ConvexHttpClient(fixture.backend.url);
    const ref = `${"contacts:listByOwner"}:extra` as unknown as typeof api.contacts.listByOwner;
    await expect(client.query(ref, { owner: "nobody" })).rejects.toThrow(/Could not find public function/);
  });
});

describe("a failed WebSocket re-authentication", () => {
  it("ends the session instead of keeping the previous identity", async () => {
    const alice = await signToken(fixture.keys, "alice");
    const raw = await RawSyncClient.open(fixture.backend.url);
    raw.send({ type: "Authenticate", tokenType: "User", value: alice, baseVersion: 0 });
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "contacts:whoAmI", args: [{}] }],
    });
    const first = await raw.next((m) => m.type === "Transition" && (m.endVersion as { querySet: number }).querySet === 1);
    expect(JSON.stringify(first.modifications)).toContain(`${ISSUER}|alice`);

    // A bad token, then a mutation queued right behind it.
    raw.send({ type: "Authenticate", tokenType: "User", value: "not-a-jwt", baseVersion: 1 });
    raw.send({ type: "Mutation", requestId: 0, udfPath: "contacts:addMine", args: [{ name: "written after a failed re-auth" }] });
    const authError = await raw.next((m) => m.type === "AuthError");
    expect(authError).toMatchObject({ authUpdateAttempted: true, baseVersion: 1 });
    await expect.poll(() => raw.closed).toBe(true);
    expect(raw.received.some((m) => m.type === "MutationResponse")).toBe(false);

    // Nothing was written as alice.
    const asAlice = new ConvexHttpClient(fixture.backend.url, { auth: alice });
    expect(await asAlice.query(api.contacts.mine, {})).toEqual([]);
  });
});
