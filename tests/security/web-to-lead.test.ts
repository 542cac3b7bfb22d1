/**
 * Issue 23: web-to-lead (`POST <site URL>/leads/<token>`) is a public door into a workspace's
 * customers, kept by a token. Every token but a workspace's current one (random, the real key id
 * with a wrong secret, one character off, rotated, turned off, a deleted workspace's, malformed)
 * gets the same 404, byte for byte, in about the same time, and writes nothing; a token writes
 * only into its own workspace; only that workspace's admins issue, see or turn off its token.
 * Bodies past 64 KiB are refused (declared or streamed) before anything is written. Each
 * workspace takes 60 leads a minute, then 429 with Retry-After, the others unaffected. CORS
 * admits any origin's form, never with credentials.
 */
import { ConvexHttpClient } from "convex/browser";
import { ConvexError } from "convex/values";
import { beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { LEADS_PER_MINUTE, MAX_BODY_BYTES, presentedToken } from "../../convex/lib/webToLead";
import { adminClient, asPublic, projectBackend, signToken } from "../backend/helpers";
import { floodLeads } from "../support/lead-flood";

const project = projectBackend();
const lead = { name: "Mallory", email: "mallory@example.com" };

async function signedIn(email: string): Promise<ConvexHttpClient> {
  const client = new ConvexHttpClient(project.backend.url);
  client.setAuth(await signToken(project.keys, email, { claims: { email, email_verified: true } }));
  return client;
}

let ada: ConvexHttpClient;
let bob: ConvexHttpClient;

/** A team of Ada's with web-to-lead on; its token. */
async function team(name: string): Promise<{ workspaceId: Id<"workspaces">; token: string }> {
  const workspaceId = await ada.mutation(api.workspaces.create, { name });
  return { workspaceId, token: await ada.action(api.webToLead.issueToken, { workspaceId }) };
}

const url = (token: string) => `${project.backend.siteUrl}/leads/${token}`;
const post = (token: string, body: BodyInit = JSON.stringify(lead), headers: Record<string, string> = {}) =>
  fetch(url(token), { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });

async function names(workspaceId: Id<"workspaces">): Promise<string[]> {
  const { page } = await ada.query(api.customers.listByUser, { workspaceId, paginationOpts: { numItems: 500, cursor: null } });
  return page.map((customer) => customer.name);
}

const count = async (workspaceId: Id<"workspaces">) => (await names(workspaceId)).length;

/** Status, body and every header but Date: what a caller could tell one answer from another by. */
async function seen(response: Response): Promise<unknown> {
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== "date"));
  return { status: response.status, headers, body: await response.text() };
}

/** Fails unless `call` rejects with a ConvexError of that code. */
async function refusedWith(call: Promise<unknown>, code: string): Promise<void> {
  await expect(call).rejects.toSatisfy(
    (error) => error instanceof ConvexError && (error.data as { code?: unknown }).code === code,
  );
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const randomToken = () => Array.from(crypto.getRandomValues(new Uint8Array(59)), (byte) => BASE64URL[byte % 64]).join("");
/** The same token with its character at `index` replaced by another. */
const changedAt = (token: string, index: number) =>
  token.slice(0, index) + (token[index] === "A" ? "B" : "A") + token.slice(index + 1);

beforeAll(async () => {
  ada = await signedIn("ada@example.com");
  bob = await signedIn("bob@example.com");
});

describe("web-to-lead tokens", () => {
  it("any token but the current one gets the same 404 and writes nothing; a token writes only into its own workspace", async () => {
    const acme = await team("Acme");
    const globex = await team("Globex");
    const reference = await seen(await post(randomToken()));
    expect(reference).toMatchObject({ status: 404, body: JSON.stringify({ ok: false, error: "Not found." }) });
    const wrong = [
      changedAt(acme.token, 0), // another key id, the right secret
      changedAt(acme.token, 58), // the right key id, the secret's last character off
      acme.token.slice(0, 16) + globex.token.slice(16), // Acme's key id with Globex's secret
      acme.token.slice(0, 58), // too short
      `${acme.token}/extra`,
      "",
    ];
    for (const token of wrong) expect(await seen(await post(token)), token).toEqual(reference);
    expect(await count(acme.workspaceId)).toBe(0);

    expect((await post(globex.token)).status).toBe(201);
    expect([await count(acme.workspaceId), await count(globex.workspaceId)]).toEqual([0, 1]);
  });

  it("a rotated, turned-off or deleted workspace's token gets the same 404; the new one works", async () => {
    const { workspaceId, token: first } = await team("Initech");
    const reference = await seen(await post(randomToken()));
    const second = await ada.action(api.webToLead.issueToken, { workspaceId });
    expect(await seen(await post(first))).toEqual(reference);
    expect((await post(second)).status).toBe(201);

    await ada.mutation(api.webToLead.turnOff, { workspaceId });
    expect(await ada.query(api.webToLead.status, { workspaceId })).toBeNull();
    expect(await seen(await post(second))).toEqual(reference);
    const third = await ada.action(api.webToLead.issueToken, { workspaceId });
    expect(await seen(await post(second))).toEqual(reference);
    expect((await post(third)).status).toBe(201);
    expect(await count(workspaceId)).toBe(2);

    await ada.mutation(api.workspaces.remove, { workspaceId });
    expect(await seen(await post(third))).toEqual(reference);
  });

  it("a wrong token's 404 wins over what is wrong with the body", async () => {
    const reference = await seen(await post(randomToken()));
    const wrong = randomToken();
    expect(await seen(await post(wrong, "{"))).toEqual(reference);
    expect(await seen(await post(wrong, "x".repeat(MAX_BODY_BYTES + 1)))).toEqual(reference);
    expect(await seen(await post(wrong, "Ada", { "Content-Type": "text/plain" }))).toEqual(reference);
  });

  it("a wrong secret takes about as long as an unknown key id: no early answer for a miss", async () => {
    // Timed at the mutation that checks the token (an HTTP request's own spread, its action and
    // the network, would hide any difference).
    const { token } = await team("Hooli");
    const submit = asPublic(internal.webToLead.submit);
    const admin = adminClient(project.backend.url, project.backend.adminKey);
    const durations: Record<"knownKey" | "unknownKey", number[]> = { knownKey: [], unknownKey: [] };
    const timed = async (kind: keyof typeof durations, candidate: string) => {
      const presented = (await presentedToken(candidate))!;
      const started = performance.now();
      expect(await admin.mutation(submit, { ...presented, lead })).toEqual({ outcome: "notFound" });
      durations[kind].push(performance.now() - started);
    };
    // Interleaved, so a busy machine slows both alike.
    for (let i = 0; i < 40; i++) {
      await timed("knownKey", changedAt(token, 16 + (i % 43)));
      await timed("unknownKey", randomToken());
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const [known, unknown] = [median(durations.knownKey), median(durations.unknownKey)];
    expect(Math.abs(known - unknown), `medians ${known.toFixed(2)} and ${unknown.toFixed(2)} ms`).toBeLessThan(
      Math.max(2, 0.25 * Math.min(known, unknown)),
    );
  });

  it("only the workspace's admins issue, see or turn off its token", async () => {
    const { workspaceId } = await team("Umbrella");
    const invitationId = await ada.mutation(api.workspaces.invite, { workspaceId, email: "bob@example.com", role: "member" });
    await bob.mutation(api.workspaces.acceptInvitation, { invitationId });
    const eve = await signedIn("eve@example.com");
    for (const [caller, code] of [
      [bob, "FORBIDDEN"],
      [eve, "NOT_FOUND"],
    ] as const) {
      await refusedWith(caller.action(api.webToLead.issueToken, { workspaceId }), code);
      await refusedWith(caller.query(api.webToLead.status, { workspaceId }), code);
      await refusedWith(caller.mutation(api.webToLead.turnOff, { workspaceId }), code);
    }
    const anonymous = new ConvexHttpClient(project.backend.url);
    await refusedWith(anonymous.action(api.webToLead.issueToken, { workspaceId }), "UNAUTHENTICATED");
    expect(await ada.query(api.webToLead.status, { workspaceId })).toMatchObject({ issuedBy: "ada@example.com" });
  });
});

describe("web-to-lead requests", () => {
  it("a body past 64 KiB is refused, declared or streamed, and writes nothing", async () => {
    const { workspaceId, token } = await team("Cyberdyne");
    const big = JSON.stringify({ ...lead, notes: "x".repeat(MAX_BODY_BYTES) });
    const declared = await post(token, big);
    expect([declared.status, await declared.json()]).toEqual([
      413,
      { ok: false, error: "The request body is larger than 64 KiB." },
    ]);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode("x".repeat(8192)));
        controller.close();
      },
    });
    const streamed = await fetch(url(token), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await count(workspaceId)).toBe(0);
  });

  it(`a workspace takes ${LEADS_PER_MINUTE} leads a minute, then 429 with Retry-After and nothing written; other workspaces are unaffected`, async () => {
    const busy = await team("Soylent");
    const quiet = await team("Tyrell");
    const flood = await floodLeads(adminClient(project.backend.url, project.backend.adminKey), busy.token);
    expect(flood.created).toBe(LEADS_PER_MINUTE);
    const refusedLead = (attempt: number) => JSON.stringify({ ...lead, name: `Refused ${attempt}` });
    let attempt = 1;
    let refused = await post(busy.token, refusedLead(attempt));
    // A refill can still slip in between the flood's requests; not three times in a row.
    while (refused.status === 201 && attempt < 3) refused = await post(busy.token, refusedLead(++attempt));
    await flood.stop();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(refused.headers.get("access-control-expose-headers")).toBe("Retry-After");
    expect(await refused.json()).toEqual({
      ok: false,
      error: `Too many leads for this form just now; try again in ${retryAfter} s.`,
    });
    expect(await names(busy.workspaceId)).not.toContain(`Refused ${attempt}`);

    expect((await post(quiet.token)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    expect((await post(busy.token)).status).toBe(201);
  });

  it("CORS admits any origin's form without credentials, on the preflight and on every answer", async () => {
    const { token } = await team("Wonka");
    const origin = { Origin: "https://www.example.org" };
    const preflight = await fetch(url(token), {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers)).toMatchObject({
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "Content-Type",
    });
    for (const answer of [preflight, await post(token, undefined, origin), await post(randomToken(), undefined, origin)]) {
      expect(answer.headers.get("access-control-allow-origin")).toBe("*");
      expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
    }
    // A preflight is the same for any path: it cannot tell a good token from a bad one.
    const other = await fetch(url(randomToken()), {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(await seen(other)).toEqual(await seen(preflight));
  });
});
