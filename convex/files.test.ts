/**
 * A customer's files under convex-test: only members get an upload URL, attach, list and obtain
 * file URLs; the stored size decides the 25 MB limit; the uploader or an admin removes one, which
 * deletes its bytes; attaching and removing are in the history; files go with their customer;
 * uploads never attached are deleted after a day, and younger ones are kept.
 */
import type { PaginationResult } from "convex/server";
import { describe, expect, it, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { type FileEntry, UNATTACHED_UPLOAD_TTL_MS } from "./files";
import { fileSizeProblem, formatBytes, MAX_FILE_BYTES } from "./lib/fileRules";
import { customerTeam, errorOf, type TeamCaller } from "./test.team";

type Team = Awaited<ReturnType<typeof customerTeam>>;

/** Stores `bytes` as an upload would, and returns its storage id. */
async function upload({ t }: Team, bytes = 3): Promise<Id<"_storage">> {
  const blob = new Blob([new Uint8Array(bytes)], { type: "application/pdf" });
  return await t.run(async (ctx) => await ctx.storage.store(blob));
}

async function attach(caller: TeamCaller, team: Team, name: string, storageId: Id<"_storage">, size = 3) {
  const { workspaceId, customerId } = team;
  return await caller.mutation(api.files.attach, {
    workspaceId,
    customerId,
    storageId,
    name,
    contentType: "application/pdf",
    size,
  });
}

async function files(caller: TeamCaller, { workspaceId, customerId }: Team, numItems = 100) {
  const result: PaginationResult<FileEntry> = await caller.query(api.files.list, {
    workspaceId,
    customerId,
    paginationOpts: { numItems, cursor: null },
  });
  return result.page;
}

async function fileChanges(caller: TeamCaller, { workspaceId, customerId }: Team) {
  const { page } = await caller.query(api.activity.list, {
    workspaceId,
    customerId,
    paginationOpts: { numItems: 100, cursor: null },
  });
  return page.filter((entry) => entry.change.kind === "file").map((entry) => ({ actorName: entry.actorName, ...entry.change }));
}

const storedCount = (team: Team) => team.t.run(async (ctx) => (await ctx.db.system.query("_storage").collect()).length);

describe("file rules (shared with the Files tab)", () => {
  it("say sizes as people read them, and the limit in the message", () => {
    expect([0, 1, 1023, 1024, 1536, 10 * 1024 * 1024, 150 * 1024 * 1024].map(formatBytes)).toEqual([
      "0 bytes",
      "1 byte",
      "1023 bytes",
      "1 KB",
      "1.5 KB",
      "10 MB",
      "150 MB",
    ]);
    expect(fileSizeProblem("ok.pdf", MAX_FILE_BYTES)).toBeNull();
    expect(fileSizeProblem("huge.zip", 30 * 1024 * 1024)).toBe("“huge.zip” is 30 MB; a file can be at most 25 MB.");
  });
});

describe("files", () => {
  it("members attach uploads, listed newest first with name, type, size, uploader and a URL; each in the history", async () => {
    const team = await customerTeam();
    const { ada, grace, workspaceId, customerId } = team;
    expect(await ada.mutation(api.files.generateUploadUrl, { workspaceId, customerId })).toMatch(
      /\/api\/storage\/upload\?token=/,
    );
    await attach(ada, team, " contract.pdf ", await upload(team));
    await attach(grace, team, "quote.pdf", await upload(team, 5), 5);
    const listed = await files(grace, team);
    expect(
      listed.map(({ name, contentType, size, uploaderName, canRemove }) => ({
        name,
        contentType,
        size,
        uploaderName,
        canRemove,
      })),
    ).toEqual([
      { name: "quote.pdf", contentType: "application/pdf", size: 5, uploaderName: "Grace", canRemove: true },
      { name: "contract.pdf", contentType: "application/pdf", size: 3, uploaderName: "Ada", canRemove: false },
    ]);
    expect(listed.every((file) => typeof file.url === "string" && file.url.includes("/api/storage/"))).toBe(true);
    expect(await fileChanges(ada, team)).toEqual([
      { actorName: "Grace", kind: "file", action: "attached", name: "quote.pdf" },
      { actorName: "Ada", kind: "file", action: "attached", name: "contract.pdf" },
    ]);
  });

  it("refuses a file over 25 MB by its stored size, a size that differs, a bad name, and an upload attached twice, recording nothing", async () => {
    const team = await customerTeam();
    const { ada, grace } = team;
    const big = await upload(team, MAX_FILE_BYTES + 1);
    // The browser claims it is small: the stored size decides.
    expect(await errorOf(attach(ada, team, "huge.zip", big, 3))).toEqual({
      code: "INVALID_INPUT",
      message: "“huge.zip” is 26,214,401 bytes; a file can be at most 25 MB (26,214,400 bytes).",
    });

    const exactly = await upload(team, MAX_FILE_BYTES);
    const small = await upload(team);
    expect((await errorOf(attach(ada, team, "small.pdf", small, 4))).message).toBe(
      "The upload has 3 bytes, not the file's 4; upload it again.",
    );
    expect((await errorOf(attach(ada, team, "  ", small))).code).toBe("INVALID_INPUT");
    expect((await errorOf(attach(ada, team, "evil\u202Efdp.exe", small))).code).toBe("INVALID_INPUT");
    await attach(ada, team, "exactly.bin", exactly, MAX_FILE_BYTES);
    await attach(ada, team, "small.pdf", small);
    expect(await errorOf(attach(grace, team, "again.pdf", small))).toEqual({
      code: "INVALID_INPUT",
      message: "That upload is already attached.",
    });
    expect((await files(ada, team)).map((file) => file.name)).toEqual(["small.pdf", "exactly.bin"]);
    expect(await fileChanges(ada, team)).toHaveLength(2);
  });

  it("an upload deleted meanwhile cannot be attached", async () => {
    const team = await customerTeam();
    const storageId = await upload(team);
    await team.t.run(async (ctx) => await ctx.storage.delete(storageId));
    expect(await errorOf(attach(team.ada, team, "gone.pdf", storageId))).toEqual({
      code: "NOT_FOUND",
      message: "That upload is not there any more; upload the file again.",
    });
  });

  it("the uploader or an admin removes a file, deleting its bytes; others may not; each removal in the history", async () => {
    const team = await customerTeam();
    const { ada, grace, linus, workspaceId } = team;
    const graces = await attach(grace, team, "graces.pdf", await upload(team));
    const linuss = await attach(linus, team, "linuss.pdf", await upload(team));
    expect(await errorOf(grace.mutation(api.files.remove, { workspaceId, id: linuss }))).toEqual({
      code: "FORBIDDEN",
      message: "Only the person who attached this file or an admin of this workspace can remove it.",
    });
    await grace.mutation(api.files.remove, { workspaceId, id: graces });
    await ada.mutation(api.files.remove, { workspaceId, id: linuss });
    expect(await files(ada, team)).toEqual([]);
    expect(await storedCount(team)).toBe(0);
    expect((await errorOf(grace.mutation(api.files.remove, { workspaceId, id: graces }))).code).toBe("NOT_FOUND");
    expect(await fileChanges(ada, team)).toEqual([
      { actorName: "Ada", kind: "file", action: "removed", name: "linuss.pdf" },
      { actorName: "Grace", kind: "file", action: "removed", name: "graces.pdf" },
      { actorName: "Linus", kind: "file", action: "attached", name: "linuss.pdf" },
      { actorName: "Grace", kind: "file", action: "attached", name: "graces.pdf" },
    ]);
  });

  it("someone outside the workspace gets no upload URL, no list, no file URL, and can neither attach nor remove", async () => {
    const team = await customerTeam();
    const { ada, mallory, workspaceId, customerId } = team;
    const id = await attach(ada, team, "private.pdf", await upload(team));
    expect((await errorOf(files(mallory, team))).code).toBe("NOT_FOUND");
    expect((await errorOf(mallory.mutation(api.files.generateUploadUrl, { workspaceId, customerId }))).code).toBe("NOT_FOUND");
    expect((await errorOf(attach(mallory, team, "mine.pdf", await upload(team)))).code).toBe("NOT_FOUND");
    expect((await errorOf(mallory.mutation(api.files.remove, { workspaceId, id }))).code).toBe("NOT_FOUND");
    // Through their own (personal) workspace, the customer and its file are not there either.
    await mallory.mutation(api.customers.create, { name: "Own", email: "own@example.com" });
    expect(await mallory.query(api.files.list, { customerId, paginationOpts: { numItems: 10, cursor: null } })).toMatchObject({
      page: [],
    });
    expect((await errorOf(mallory.mutation(api.files.generateUploadUrl, { customerId }))).code).toBe("NOT_FOUND");
    expect((await errorOf(mallory.mutation(api.files.remove, { id }))).code).toBe("NOT_FOUND");
    expect(await files(ada, team)).toHaveLength(1);
  });

  it("go with their customer: unlisted and unremovable at once, rows and bytes deleted by the purge", async () => {
    vi.useFakeTimers();
    try {
      const team = await customerTeam();
      const { t, ada, workspaceId, customerId } = team;
      const id = await attach(ada, team, "soon-gone.pdf", await upload(team));
      await ada.mutation(api.customers.remove, { workspaceId, id: customerId });
      expect(await files(ada, team)).toEqual([]);
      expect((await errorOf(ada.mutation(api.files.remove, { workspaceId, id }))).code).toBe("NOT_FOUND");
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      expect(await t.run(async (ctx) => (await ctx.db.query("files").collect()).length)).toBe(0);
      expect(await storedCount(team)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("forgetUnattachedUploads (daily cron job)", () => {
  it("deletes uploads no file references once a day old; keeps attached ones and uploads still waiting for their attach", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 6, 12), toFake: ["Date"] });
    try {
      const team = await customerTeam();
      const abandoned = await upload(team);
      const attached = await upload(team);
      await attach(team.ada, team, "kept.pdf", attached);
      vi.setSystemTime(Date.now() + UNATTACHED_UPLOAD_TTL_MS - 60_000);
      // Uploaded a minute ago (a day minus a minute after the others), its attach still on its way.
      const pending = await upload(team);
      vi.setSystemTime(Date.now() + 2 * 60_000);
      expect(await team.t.mutation(internal.files.forgetUnattachedUploads, {})).toEqual({ deleted: 1 });
      const left = await team.t.run(async (ctx) => (await ctx.db.system.query("_storage").collect()).map((doc) => doc._id));
      expect(left.sort()).toEqual([attached, pending].sort());
      expect(left).not.toContain(abandoned);
      // The pending upload can still be attached; a day after it, an unattached one would go.
      await attach(team.grace, team, "late.pdf", pending);
      vi.setSystemTime(Date.now() + 2 * UNATTACHED_UPLOAD_TTL_MS);
      expect(await team.t.mutation(internal.files.forgetUnattachedUploads, {})).toEqual({ deleted: 0 });
      expect((await files(team.ada, team)).map((file) => file.name)).toEqual(["late.pdf", "kept.pdf"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("walks any number of uploads, a batch per transaction", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 6, 12) });
    try {
      const team = await customerTeam();
      await team.t.run(async (ctx) => {
        for (let i = 0; i < 1200; i++) {
          // Each a millisecond apart, as uploads come (convex-test orders equal times by insertion, its cursors by id).
          vi.setSystemTime(Date.now() + 1);
          await ctx.storage.store(new Blob([String(i)]));
        }
      });
      vi.setSystemTime(Date.now() + UNATTACHED_UPLOAD_TTL_MS + 1);
      expect(await team.t.mutation(internal.files.forgetUnattachedUploads, {})).toEqual({ deleted: 500 });
      await team.t.finishAllScheduledFunctions(vi.runAllTimers);
      expect(await storedCount(team)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
