/**
 * Web-to-lead's storage under convex-test: the token is never stored (its key id and the
 * secret's SHA-256 are), a new token replaces the old row, deleting the workspace deletes it,
 * and a lead is created as the app creates customers, with status Lead and the web form as its
 * creator. Over HTTP: tests/backend/web-to-lead.test.ts; attacks: tests/security/web-to-lead.test.ts.
 */
import { describe, expect, it } from "vitest";
import { api, internal } from "./_generated/api";
import { keyIdOf, presentedToken, sha256Hex } from "./lib/webToLead";
import { projectConvexTest } from "./test.setup";
import { WEB_TO_LEAD_CREATOR } from "./webToLead";

async function setup() {
  const t = projectConvexTest();
  const ada = t.withIdentity({ subject: "ada", issuer: "https://issuer.test", email: "ada@example.com", emailVerified: true });
  const workspaceId = await ada.mutation(api.workspaces.create, { name: "Acme" });
  return { t, ada, workspaceId };
}

describe("web-to-lead tokens", () => {
  it("keeps only the key id and the secret's SHA-256; a new token replaces the row", async () => {
    const { t, ada, workspaceId } = await setup();
    const first = await ada.action(api.webToLead.issueToken, { workspaceId });
    expect(first).toMatch(/^[A-Za-z0-9_-]{59}$/);
    const second = await ada.action(api.webToLead.issueToken, { workspaceId });
    const rows = await t.run((ctx) => ctx.db.query("webToLeadTokens").collect());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      workspaceId,
      keyId: keyIdOf(second),
      secretHash: await sha256Hex(second.slice(16)),
      issuedBy: "ada@example.com",
    });
    for (const token of [first, second]) expect(JSON.stringify(rows)).not.toContain(token.slice(16));
    expect(await ada.query(api.webToLead.status, { workspaceId })).toEqual({
      issuedAt: rows[0]!._creationTime,
      issuedBy: "ada@example.com",
      keyId: keyIdOf(second),
    });
  });

  it("goes with its workspace", async () => {
    const { t, ada, workspaceId } = await setup();
    await ada.action(api.webToLead.issueToken, { workspaceId });
    await ada.mutation(api.workspaces.remove, { workspaceId });
    expect(await t.run((ctx) => ctx.db.query("webToLeadTokens").collect())).toEqual([]);
  });
});

describe("web-to-lead leads", () => {
  it("a lead is a customer with status Lead, created by the web form; a refused one writes nothing", async () => {
    const { t, ada, workspaceId } = await setup();
    const presented = (await presentedToken(await ada.action(api.webToLead.issueToken, { workspaceId })))!;
    expect(
      await t.mutation(internal.webToLead.submit, { ...presented, lead: { name: "Grace", email: "GRACE@example.com " } }),
    ).toEqual({ outcome: "created" });
    expect(await t.mutation(internal.webToLead.submit, { ...presented, lead: { name: "No email" } })).toEqual({
      outcome: "invalid",
      fields: { email: "Enter an email address" },
    });
    const customers = await t.run((ctx) => ctx.db.query("customers").collect());
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({
      workspaceId,
      userId: WEB_TO_LEAD_CREATOR,
      name: "Grace",
      email: "GRACE@example.com",
      status: "lead",
    });
  });
});
