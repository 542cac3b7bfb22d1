/**
 * A customer's notes under convex-test: members read and add them, change their own, admins any;
 * the text's rules; each change in the customer's history; they go with their customer.
 */
import type { PaginationResult } from "convex/server";
import { describe, expect, it, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { MAX_NOTE_LENGTH } from "./lib/noteRules";
import type { NoteEntry } from "./notes";
import { customerTeam, errorOf, type TeamCaller } from "./test.team";

async function notes(caller: TeamCaller, workspaceId: Id<"workspaces">, customerId: string, numItems = 100) {
  const result: PaginationResult<NoteEntry> = await caller.query(api.notes.list, {
    workspaceId,
    customerId,
    paginationOpts: { numItems, cursor: null },
  });
  return result.page.map(({ authorName, body, canEdit, editedAt }) => ({
    authorName,
    body,
    canEdit,
    edited: editedAt !== undefined,
  }));
}

async function noteChanges(caller: TeamCaller, workspaceId: Id<"workspaces">, customerId: string) {
  const { page } = await caller.query(api.activity.list, {
    workspaceId,
    customerId,
    paginationOpts: { numItems: 100, cursor: null },
  });
  return page.filter((entry) => entry.change.kind === "note").map((entry) => ({ actorName: entry.actorName, ...entry.change }));
}

describe("notes", () => {
  it("members add notes, newest first, each with its author; line breaks kept, blanks around trimmed", async () => {
    const { ada, grace, workspaceId, customerId } = await customerTeam();
    await ada.mutation(api.notes.create, { workspaceId, customerId, body: "Called.\r\nWants a quote.\n\n" });
    await grace.mutation(api.notes.create, { workspaceId, customerId, body: "  Sent the quote.  " });
    expect(await notes(grace, workspaceId, customerId)).toEqual([
      { authorName: "Grace", body: "Sent the quote.", canEdit: true, edited: false },
      { authorName: "Ada", body: "Called.\nWants a quote.", canEdit: false, edited: false },
    ]);
    // The admin may change any note.
    expect((await notes(ada, workspaceId, customerId)).map((note) => note.canEdit)).toEqual([true, true]);
    expect(await noteChanges(ada, workspaceId, customerId)).toEqual([
      { actorName: "Grace", kind: "note", action: "added" },
      { actorName: "Ada", kind: "note", action: "added" },
    ]);
  });

  it("refuses an empty note, one over 10,000 characters and control characters, recording nothing", async () => {
    const { t, ada, workspaceId, customerId } = await customerTeam();
    expect(await errorOf(ada.mutation(api.notes.create, { workspaceId, customerId, body: " \n " }))).toMatchObject({
      code: "INVALID_INPUT",
      message: "Write something in the note first.",
    });
    expect(
      await errorOf(ada.mutation(api.notes.create, { workspaceId, customerId, body: "x".repeat(MAX_NOTE_LENGTH + 1) })),
    ).toEqual(
      expect.objectContaining({
        code: "INVALID_INPUT",
        message: "A note can be at most 10,000 characters; this one has 10,001.",
      }),
    );
    expect((await errorOf(ada.mutation(api.notes.create, { workspaceId, customerId, body: "Pay\u202Eusd" }))).code).toBe(
      "INVALID_INPUT",
    );
    await ada.mutation(api.notes.create, { workspaceId, customerId, body: "x".repeat(MAX_NOTE_LENGTH) });
    expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(1);
    expect(await noteChanges(ada, workspaceId, customerId)).toHaveLength(1);
  });

  it("a member edits and deletes their own notes only; an admin any; each change in the history", async () => {
    const { ada, grace, linus, workspaceId, customerId } = await customerTeam();
    const graces = await grace.mutation(api.notes.create, { workspaceId, customerId, body: "Grace's" });
    const linuss = await linus.mutation(api.notes.create, { workspaceId, customerId, body: "Linus's" });

    for (const call of [
      grace.mutation(api.notes.update, { workspaceId, id: linuss, body: "Mine now" }),
      grace.mutation(api.notes.remove, { workspaceId, id: linuss }),
    ]) {
      expect(await errorOf(call)).toEqual({
        code: "FORBIDDEN",
        message: "Only its author or an admin of this workspace can change this note.",
      });
    }
    await grace.mutation(api.notes.update, { workspaceId, id: graces, body: "Grace's, edited" });
    // The same text again changes nothing and records nothing.
    await grace.mutation(api.notes.update, { workspaceId, id: graces, body: "Grace's, edited\n" });
    await ada.mutation(api.notes.update, { workspaceId, id: linuss, body: "Linus's, edited by the admin" });
    await ada.mutation(api.notes.remove, { workspaceId, id: graces });

    expect(await notes(linus, workspaceId, customerId)).toEqual([
      { authorName: "Linus", body: "Linus's, edited by the admin", canEdit: true, edited: true },
    ]);
    expect(await noteChanges(ada, workspaceId, customerId)).toEqual([
      { actorName: "Ada", kind: "note", action: "deleted" },
      { actorName: "Ada", kind: "note", action: "edited" },
      { actorName: "Grace", kind: "note", action: "edited" },
      { actorName: "Linus", kind: "note", action: "added" },
      { actorName: "Grace", kind: "note", action: "added" },
    ]);
    expect((await errorOf(grace.mutation(api.notes.remove, { workspaceId, id: graces }))).code).toBe("NOT_FOUND");
  });

  it("someone outside the workspace can neither read, add, change nor delete a note", async () => {
    const { ada, mallory, workspaceId, customerId } = await customerTeam();
    const id = await ada.mutation(api.notes.create, { workspaceId, customerId, body: "Private" });
    expect((await errorOf(notes(mallory, workspaceId, customerId))).code).toBe("NOT_FOUND");
    for (const call of [
      mallory.mutation(api.notes.create, { workspaceId, customerId, body: "Hi" }),
      mallory.mutation(api.notes.update, { workspaceId, id, body: "Changed" }),
      mallory.mutation(api.notes.remove, { workspaceId, id }),
    ]) {
      expect((await errorOf(call)).code).toBe("NOT_FOUND");
    }
    // Through their own (personal) workspace, the note is not there.
    await mallory.mutation(api.customers.create, { name: "Own", email: "own@example.com" });
    expect(await errorOf(mallory.mutation(api.notes.remove, { id }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await errorOf(mallory.mutation(api.notes.create, { customerId, body: "Hi" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await notes(ada, workspaceId, customerId)).toHaveLength(1);
  });

  it("go with their customer: unreadable and unchangeable at once, deleted by the purge", async () => {
    vi.useFakeTimers();
    try {
      const { t, ada, workspaceId, customerId } = await customerTeam();
      const id = await ada.mutation(api.notes.create, { workspaceId, customerId, body: "Soon gone" });
      await ada.mutation(api.customers.remove, { workspaceId, id: customerId });
      expect(await notes(ada, workspaceId, customerId)).toEqual([]);
      expect((await errorOf(ada.mutation(api.notes.update, { workspaceId, id, body: "Still here?" }))).code).toBe("NOT_FOUND");
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
