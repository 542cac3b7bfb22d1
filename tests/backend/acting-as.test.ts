/**
 * An admin acting as a user (`setAdminAuth(key, identity)`, as the CLI's `--identity` and the
 * dashboard's "act as a user" do) gets the identity Convex derives from the given attributes:
 * `tokenIdentifier` as given, else `issuer|subject`; absent fields left out; other fields kept as
 * custom claims (convex-backend crates/convex/sync_types/src/types/json.rs, UserIdentityAttributes).
 */
import { ConvexClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./fixtures/convex/_generated/api";
import { adminClient, startTestBackend, waitFor, type AdminAuthCapable, type TestBackend } from "./helpers";

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend.destroy();
});

const attributes = { issuer: "https://issuer.example", subject: "user_7", name: "Ada", emailVerified: true, role: "editor" };
const expected = { ...attributes, tokenIdentifier: "https://issuer.example|user_7" };

describe("admin acting as an identity", () => {
  it("over HTTP: tokenIdentifier is issuer|subject, the other fields as given", async () => {
    const client = adminClient(backend.url, backend.adminKey, attributes);
    expect(await client.query(api.fidelity.identity, {})).toEqual(expected);
    // A given tokenIdentifier wins; absent (null) fields are left out.
    const given = adminClient(backend.url, backend.adminKey, { ...attributes, tokenIdentifier: "custom|id", email: null });
    expect(await given.query(api.fidelity.identity, {})).toEqual({ ...attributes, tokenIdentifier: "custom|id" });
  });

  it("over the WebSocket (ConvexClient)", async () => {
    const client = new ConvexClient(backend.url);
    // setAdminAuth is @internal in the client's types (the CLI and dashboard use it).
    (client.client as unknown as AdminAuthCapable).setAdminAuth(backend.adminKey, attributes);
    const seen: unknown[] = [];
    const stop = client.onUpdate(api.fidelity.identity, {}, (value) => seen.push(value));
    await waitFor(() => seen.length > 0, 5000, "identity");
    expect(seen.at(-1)).toEqual(expected);
    stop();
    await client.close();
  });

  it("refuses an identity with neither tokenIdentifier nor issuer and subject, with Convex's message", async () => {
    const client = adminClient(backend.url, backend.adminKey, { subject: "only-subject" });
    await expect(client.query(api.fidelity.identity, {})).rejects.toThrow(
      /Either \\?"tokenIdentifier\\?" or \\?"issuer\\?" and \\?"subject\\?" must be set/,
    );
    const typed = adminClient(backend.url, backend.adminKey, { ...attributes, emailVerified: "yes" });
    await expect(typed.query(api.fidelity.identity, {})).rejects.toThrow(/emailVerified/);
  });
});
