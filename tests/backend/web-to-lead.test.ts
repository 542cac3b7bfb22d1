/**
 * Web-to-lead over real HTTP on the local backend's site URL (convex/webToLead.ts, routed by
 * convex/http.ts): a website's JSON, urlencoded or multipart post becomes a customer with status
 * Lead in the token's workspace; bad input is a 400 naming the field (415 for another encoding)
 * and writes nothing. The attacks on this door, the rate limit and CORS are in
 * tests/security/web-to-lead.test.ts.
 */
import { ConvexHttpClient } from "convex/browser";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { projectBackend, signToken } from "./helpers";

const project = projectBackend();
let admin: ConvexHttpClient;
let workspaceId: Id<"workspaces">;
let leadUrl: string;

async function names(): Promise<{ name: string; status: string; email: string }[]> {
  const { page } = await admin.query(api.customers.listByUser, { workspaceId, paginationOpts: { numItems: 100, cursor: null } });
  return page.map(({ name, status, email }) => ({ name, status, email }));
}

const postJson = (body: unknown) =>
  fetch(leadUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  admin = new ConvexHttpClient(project.backend.url);
  admin.setAuth(await signToken(project.keys, "ada@example.com", { claims: { email: "ada@example.com", email_verified: true } }));
  workspaceId = await admin.mutation(api.workspaces.create, { name: "Acme" });
  leadUrl = `${project.backend.siteUrl}/leads/${await admin.action(api.webToLead.issueToken, { workspaceId })}`;
});

describe("web-to-lead", () => {
  it("a JSON post becomes a Lead in the token's workspace, whatever status it asks for; unknown fields are ignored", async () => {
    const response = await postJson({
      name: " Grace Hopper ",
      email: "grace@example.com",
      company: "Navy",
      phone: "+1 555 0100",
      notes: "Asked for a demo.\nTuesdays.",
      status: "active",
      utm_source: "newsletter",
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toEqual({ ok: true });
    const { page } = await admin.query(api.customers.listByUser, { workspaceId, paginationOpts: { numItems: 1, cursor: null } });
    expect(page[0]).toMatchObject({
      name: "Grace Hopper",
      email: "grace@example.com",
      company: "Navy",
      phone: "+1 555 0100",
      notes: "Asked for a demo.\nTuesdays.",
      status: "lead",
    });
  });

  it("an HTML form's urlencoded and multipart posts are read as the JSON one", async () => {
    const urlencoded = await fetch(leadUrl, {
      method: "POST",
      body: new URLSearchParams({ name: "Alan Turing", email: "alan@example.com", submit: "Send" }),
    });
    expect(urlencoded.status).toBe(201);
    const multipart = new FormData();
    multipart.set("name", "Édith Piaf");
    multipart.set("email", "edith@example.com");
    expect((await fetch(leadUrl, { method: "POST", body: multipart })).status).toBe(201);
    expect(await names()).toEqual(
      expect.arrayContaining([
        { name: "Alan Turing", status: "lead", email: "alan@example.com" },
        { name: "Édith Piaf", status: "lead", email: "edith@example.com" },
      ]),
    );
  });

  it("bad input is a 400 naming each field (the form's own rules), and writes nothing", async () => {
    const before = await names();
    const missing = await postJson({ email: "not an email", phone: "call me" });
    expect(missing.status).toBe(400);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
    expect(await missing.json()).toEqual({
      ok: false,
      error: "Please fix the fields named in `fields`.",
      fields: {
        name: "Enter a name",
        email: "Enter a valid email address",
        phone: "Enter a phone number using digits, spaces and + ( ) - .",
      },
    });
    expect(await (await postJson({ name: 7, email: "x@example.com" })).json()).toMatchObject({
      fields: { name: "name must be text" },
    });
    const twice = await fetch(leadUrl, { method: "POST", body: new URLSearchParams("name=A&name=B&email=a%40example.com") });
    expect(await twice.json()).toMatchObject({ fields: { name: "name is given more than once" } });
    const notJson = await fetch(leadUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" });
    expect([notJson.status, await notJson.json()]).toEqual([400, { ok: false, error: "The body is not valid JSON." }]);
    const text = await fetch(leadUrl, { method: "POST", headers: { "Content-Type": "text/plain" }, body: "Ada" });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: string }).error).toMatch(/application\/json.*x-www-form-urlencoded.*multipart/);
    expect(await names()).toEqual(before);
  });
});
