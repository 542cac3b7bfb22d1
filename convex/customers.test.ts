/**
 * The customers functions under convex-test (Convex's in-memory reference implementation):
 * per-user isolation, validation with field messages, ordering, filters and pagination.
 */
import type { PaginationResult } from "convex/server";
import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { api } from "./_generated/api";
import { type Customer, INVALID_INPUT, NOT_FOUND } from "./customers";
import { UNAUTHENTICATED } from "./lib/auth";
import { projectConvexTest } from "./test.setup";

function setup() {
  const t = projectConvexTest();
  const as = (email: string) => t.withIdentity({ subject: email, issuer: "https://issuer.test", email });
  return { t, alice: as("alice@example.com"), bob: as("bob@example.com") };
}

const firstPage = { numItems: 10, cursor: null };

/** The ConvexError's data, or a failure if the call did not throw one. */
async function convexErrorOf(
  call: Promise<unknown>,
): Promise<{ code: string; message: string; fields?: Record<string, string> }> {
  const error = await call.then(
    () => null,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string; message: string; fields?: Record<string, string> }>).data;
}

describe("customers", () => {
  it("refuses anonymous callers with UNAUTHENTICATED", async () => {
    const { t } = setup();
    expect((await convexErrorOf(t.query(api.customers.listByUser, { paginationOpts: firstPage }))).code).toBe(UNAUTHENTICATED);
    expect((await convexErrorOf(t.mutation(api.customers.create, { name: "A", email: "a@example.com" }))).code).toBe(
      UNAUTHENTICATED,
    );
  });

  it("keeps each user's customers to that user", async () => {
    const { alice, bob } = setup();
    const id = await alice.mutation(api.customers.create, { name: "Ada Lovelace", email: "ada@example.com" });
    expect((await bob.query(api.customers.listByUser, { paginationOpts: firstPage })).page).toEqual([]);
    expect(await bob.query(api.customers.get, { id })).toBeNull();
    expect((await convexErrorOf(bob.mutation(api.customers.update, { id, name: "Mallory" }))).code).toBe(NOT_FOUND);
    expect((await convexErrorOf(bob.mutation(api.customers.remove, { id }))).code).toBe(NOT_FOUND);
    expect(await alice.query(api.customers.get, { id })).toMatchObject({ name: "Ada Lovelace", status: "lead" });
  });

  it("reads a malformed or unknown id as null, and never exposes the owner", async () => {
    const { alice } = setup();
    expect(await alice.query(api.customers.get, { id: "not-an-id" })).toBeNull();
    const id = await alice.mutation(api.customers.create, { name: "Grace", email: "grace@example.com", company: "Navy" });
    const customer = await alice.query(api.customers.get, { id });
    expect(customer).not.toHaveProperty("userId");
    expect(customer).not.toHaveProperty("searchText");
    await alice.mutation(api.customers.remove, { id });
    expect(await alice.query(api.customers.get, { id })).toBeNull();
  });

  it("rejects bad input with a message per field and stores nothing", async () => {
    const { alice } = setup();
    const data = await convexErrorOf(
      alice.mutation(api.customers.create, { name: "  ", email: "nope", phone: "call me", notes: "x".repeat(2001) }),
    );
    expect(data.code).toBe(INVALID_INPUT);
    expect(data.fields).toEqual({
      name: "Enter a name",
      email: "Enter a valid email address",
      phone: "Enter a phone number using digits, spaces and + ( ) - .",
      notes: "Summary must be at most 2000 characters",
    });
    const batch = await convexErrorOf(
      alice.mutation(api.customers.createMany, {
        customers: [
          { name: "Fine", email: "fine@example.com" },
          { name: "Broken", email: "broken" },
        ],
      }),
    );
    expect(batch.message).toBe("Customer #2: please fix the highlighted fields.");
    expect((await alice.query(api.customers.listByUser, { paginationOpts: firstPage })).page).toEqual([]);
  });

  it("rejects control characters and text-direction overrides in every field, with a field message", async () => {
    const { alice } = setup();
    // U+202E (right-to-left override) makes "Invoice\u202Efdp.exe" display as "Invoiceexe.pdf".
    const data = await convexErrorOf(
      alice.mutation(api.customers.create, {
        name: "Invoice\u202Efdp.exe",
        email: "ada\u0000@example.com",
        company: "Acme\u2066 Corp\u2069",
        phone: "+1 555\u0007",
        notes: "fine line\nthen a bell\u0007 and a C1 \u0085",
      }),
    );
    expect(data.code).toBe(INVALID_INPUT);
    expect(data.fields).toEqual({
      name: "Name must not contain control characters or text-direction overrides",
      email: "Email must not contain control characters or text-direction overrides",
      company: "Company must not contain control characters or text-direction overrides",
      phone: "Phone must not contain control characters or text-direction overrides",
      notes: "Summary must not contain control characters or text-direction overrides",
    });
    for (const name of ["Tab\tinside", "New\nline", "LRM\u200Emark", "Line\u2028separator", "DEL\u007F", "Embedding\u202Atext"]) {
      const error = await convexErrorOf(alice.mutation(api.customers.create, { name, email: "x@example.com" }));
      expect(error.fields, JSON.stringify(name)).toEqual({
        name: "Name must not contain control characters or text-direction overrides",
      });
    }
    expect((await alice.query(api.customers.listByUser, { paginationOpts: firstPage })).page).toEqual([]);

    // Updates follow the same rules, and leave the stored value as it was.
    const id = await alice.mutation(api.customers.create, { name: "Ada", email: "ada@example.com" });
    const update = await convexErrorOf(alice.mutation(api.customers.update, { id, name: "\u202EadA" }));
    expect(update.fields).toEqual({ name: "Name must not contain control characters or text-direction overrides" });
    expect(await alice.query(api.customers.get, { id })).toMatchObject({ name: "Ada" });
  });

  it("keeps right-to-left text, accents and the notes' line breaks and tabs", async () => {
    const { alice } = setup();
    const id = await alice.mutation(api.customers.create, {
      name: "  שלום עליכם  ",
      email: "rtl@example.com",
      company: "Café Zoë – مقهى",
      notes: "first line\r\nsecond\tline\n",
    });
    expect(await alice.query(api.customers.get, { id })).toMatchObject({
      name: "שלום עליכם",
      company: "Café Zoë – مقهى",
      notes: "first line\r\nsecond\tline",
    });
  });

  it("updates with the same rules, and clears optional fields given as empty", async () => {
    const { alice } = setup();
    const id = await alice.mutation(api.customers.create, { name: "Linus", email: "linus@example.com", company: "OSDL" });
    await alice.mutation(api.customers.update, { id, company: "", status: "active" });
    const updated = await alice.query(api.customers.get, { id });
    expect(updated).toMatchObject({ name: "Linus", status: "active" });
    expect(updated).not.toHaveProperty("company");
    const error = await convexErrorOf(alice.mutation(api.customers.update, { id, email: "bad" }));
    expect(error.fields).toEqual({ email: "Enter a valid email address" });
    expect(await alice.query(api.customers.get, { id })).toMatchObject({ email: "linus@example.com" });
  });

  it("lists newest first by default, and by name, status and search on request", async () => {
    const { alice, bob } = setup();
    await alice.mutation(api.customers.createMany, {
      customers: [
        { name: "Charlie", email: "c@example.com", status: "active" },
        { name: "Alice", email: "a@example.com", company: "Initech" },
        { name: "Bob", email: "b@example.com", status: "active" },
      ],
    });
    await bob.mutation(api.customers.create, { name: "Initech spy", email: "spy@example.com", company: "Initech" });
    const names = async (args: Omit<Parameters<typeof alice.query<typeof api.customers.listByUser>>[1], "paginationOpts">) =>
      (await alice.query(api.customers.listByUser, { paginationOpts: firstPage, ...args })).page.map((c) => c.name);

    expect(await names({})).toEqual(["Bob", "Alice", "Charlie"]);
    expect(await names({ sort: "oldest" })).toEqual(["Charlie", "Alice", "Bob"]);
    expect(await names({ sort: "name" })).toEqual(["Alice", "Bob", "Charlie"]);
    expect(await names({ status: "active", sort: "name" })).toEqual(["Bob", "Charlie"]);
    expect(await names({ search: "initech" })).toEqual(["Alice"]);
  });

  it("pages through every customer exactly once", async () => {
    const { alice } = setup();
    await alice.mutation(api.customers.createMany, {
      customers: Array.from({ length: 25 }, (_, i) => ({ name: `Customer ${i}`, email: `c${i}@example.com` })),
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const result: PaginationResult<Customer> = await alice.query(api.customers.listByUser, {
        paginationOpts: { numItems: 10, cursor },
      });
      seen.push(...result.page.map((c) => c.name));
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `Customer ${24 - i}`));
  });

  it("refuses a batch over the limit", async () => {
    const { alice } = setup();
    const customers = Array.from({ length: 501 }, (_, i) => ({ name: `C${i}`, email: `c${i}@example.com` }));
    expect((await convexErrorOf(alice.mutation(api.customers.createMany, { customers }))).message).toBe(
      "At most 500 customers per batch; got 501.",
    );
  });
});
