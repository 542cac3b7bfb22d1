/**
 * Issue 11 item 2: a mutation is de-duplicated per (caller, session, request), never per
 * (session, request) alone: a second caller reusing a session id must have its own mutation run
 * and must not receive the first caller's stored result, from memory or from the responses
 * persisted for retries after a restart. A retry by the same caller is still answered, not re-run.
 */
import { ConvexHttpClient } from "convex/browser";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { ISSUER, makeKeys, signToken, startTestBackend, type TestBackend, type TestKeys } from "../backend/helpers";
import { RawSyncClient, type ServerMessage } from "../backend/raw-sync";

const PROJECT_FUNCTIONS = fileURLToPath(new URL("../../convex", import.meta.url));

let keys: TestKeys;
let env: Record<string, string>;
let backend: TestBackend;

beforeAll(async () => {
  keys = await makeKeys();
  env = { LOCAL_AUTH_ISSUER: ISSUER, LOCAL_AUTH_JWKS: keys.jwksDataUri };
  backend = await startTestBackend({ functionsDir: PROJECT_FUNCTIONS, env });
});
afterAll(async () => {
  await backend?.destroy();
});

/** A sync session as `user` (or anonymous with null) under a chosen session id. */
async function session(sessionId: ReturnType<typeof crypto.randomUUID>, user: string | null): Promise<RawSyncClient> {
  const raw = await RawSyncClient.open(backend.url, sessionId);
  if (user !== null) {
    raw.send({ type: "Authenticate", tokenType: "User", value: await signToken(keys, user), baseVersion: 0 });
    await raw.next((m) => m.type === "Transition" && (m.endVersion as { identity: number }).identity === 1);
  }
  return raw;
}

function create(raw: RawSyncClient, requestId: number, name: string): Promise<ServerMessage> {
  raw.send({ type: "Mutation", requestId, udfPath: "customers:create", args: [{ name, email: "someone@example.com" }] });
  return raw.next((m) => m.type === "MutationResponse" && m.requestId === requestId);
}

async function namesOf(user: string): Promise<string[]> {
  const client = new ConvexHttpClient(backend.url);
  client.setAuth(await signToken(keys, user));
  const { page } = await client.query(api.customers.listByUser, { paginationOpts: { numItems: 100, cursor: null } });
  return page.map((c) => c.name).sort();
}

describe("mutation de-duplication is per caller", () => {
  it("runs a second user's mutation that reuses another user's session and request id", async () => {
    const sessionId = crypto.randomUUID();
    const ann = await session(sessionId, "dd-ann");
    const first = await create(ann, 0, "Ann's customer");
    expect(first.success).toBe(true);
    const bob = await session(sessionId, "dd-bob");
    const second = await create(bob, 0, "Bob's customer");
    expect(second.success).toBe(true);
    expect(second.result).not.toBe(first.result);
    expect(await namesOf("dd-bob")).toEqual(["Bob's customer"]);
    expect(await namesOf("dd-ann")).toEqual(["Ann's customer"]);
    // The same user retrying on that session is still answered from the first outcome.
    const retry = await create(await session(sessionId, "dd-ann"), 0, "Ann's customer");
    expect(retry.result).toBe(first.result);
    expect(await namesOf("dd-ann")).toEqual(["Ann's customer"]);
    for (const c of [ann, bob]) c.close();
  });

  it("does not hand an anonymous caller's stored failure to a signed-in user", async () => {
    const sessionId = crypto.randomUUID();
    const anonymous = await session(sessionId, null);
    const failed = await create(anonymous, 0, "Nobody's customer");
    expect(failed.success).toBe(false);
    const carol = await session(sessionId, "dd-carol");
    const ran = await create(carol, 0, "Carol's customer");
    expect(ran.success).toBe(true);
    expect(await namesOf("dd-carol")).toEqual(["Carol's customer"]);
    for (const c of [anonymous, carol]) c.close();
  });

  it("keys the responses persisted for retries by caller too (after a restart)", async () => {
    const sessionId = crypto.randomUUID();
    const dan = await session(sessionId, "dd-dan");
    const first = await create(dan, 7, "Dan's customer");
    expect(first.success).toBe(true);
    dan.close();
    await backend.close();
    backend = await startTestBackend({ functionsDir: PROJECT_FUNCTIONS, env, dataDir: backend.dataDir });

    const eve = await session(sessionId, "dd-eve");
    const second = await create(eve, 7, "Eve's customer");
    expect(second.success).toBe(true);
    expect(second.result).not.toBe(first.result);
    expect(await namesOf("dd-eve")).toEqual(["Eve's customer"]);
    // Dan's retry after the restart is answered from the persisted response, not run again.
    const retry = await create(await session(sessionId, "dd-dan"), 7, "Dan's customer");
    expect(retry.result).toBe(first.result);
    expect(await namesOf("dd-dan")).toEqual(["Dan's customer"]);
    eve.close();
  });
});
