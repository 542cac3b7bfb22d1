/**
 * Workspaces under convex-test: membership and roles checked by every function, the last-admin
 * rule, invitations only for the email they name, access lost at once on removal, and the
 * migration of pre-workspace customers (safe to run twice).
 */
import { ConvexError } from "convex/values";
import { describe, expect, it, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { FORBIDDEN, INVALID_INPUT, NOT_FOUND } from "./lib/errors";
import crons from "./crons";
import { DELETE_BATCH, EXPIRE_BATCH, INVITATION_TTL_MS } from "./workspaces";
import { projectConvexTest } from "./test.setup";

const ISSUER = "https://issuer.test";
const firstPage = { numItems: 10, cursor: null };

function setup() {
  const t = projectConvexTest();
  const as = (email: string, emailVerified = true) => t.withIdentity({ subject: email, issuer: ISSUER, email, emailVerified });
  return {
    t,
    as,
    alice: as("alice@example.com"),
    bob: as("bob@example.com"),
    carol: as("carol@example.com"),
    userId: (email: string) => `${ISSUER}|${email}`,
  };
}

type Caller = ReturnType<ReturnType<typeof setup>["as"]>;

async function codeOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => null,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string }>).data.code;
}

async function names(caller: Caller, workspaceId?: Id<"workspaces">) {
  const result = await caller.query(api.customers.listByUser, {
    paginationOpts: firstPage,
    ...(workspaceId ? { workspaceId } : {}),
  });
  return result.page.map((c) => c.name);
}

/** Alice's team with Bob as a member (invited and accepted). */
async function teamOfAliceAndBob() {
  const s = setup();
  const workspaceId = await s.alice.mutation(api.workspaces.create, { name: "Acme Sales" });
  const invitationId = await s.alice.mutation(api.workspaces.invite, { workspaceId, email: "Bob@Example.com", role: "member" });
  await s.bob.mutation(api.workspaces.acceptInvitation, { invitationId });
  return { ...s, workspaceId };
}

describe("workspaces", () => {
  it("a new user has no rows until their first write creates the personal workspace", async () => {
    const { alice } = setup();
    expect(await alice.query(api.workspaces.list, {})).toEqual([]);
    expect(await names(alice)).toEqual([]);
    await alice.mutation(api.customers.create, { name: "Ada", email: "ada@example.com" });
    expect(await alice.query(api.workspaces.list, {})).toEqual([
      expect.objectContaining({ name: "Personal", kind: "personal", role: "admin" }),
    ]);
    expect(await names(alice)).toEqual(["Ada"]);
  });

  it("creates a team with the creator as admin, validates names, and lets admins rename", async () => {
    const { alice } = setup();
    expect(await codeOf(alice.mutation(api.workspaces.create, { name: "   " }))).toBe(INVALID_INPUT);
    const workspaceId = await alice.mutation(api.workspaces.create, { name: "  Acme  " });
    await alice.mutation(api.workspaces.rename, { workspaceId, name: "Acme Sales" });
    expect(await alice.query(api.workspaces.list, {})).toEqual([
      { _id: workspaceId, name: "Acme Sales", kind: "team", role: "admin" },
    ]);
    expect(await alice.query(api.workspaces.members, { workspaceId })).toEqual([
      { userId: `${ISSUER}|alice@example.com`, email: "alice@example.com", role: "admin" },
    ]);
  });

  it("invite → accept: both members work on one customer list", async () => {
    const { alice, bob, workspaceId } = await teamOfAliceAndBob();
    expect(await bob.query(api.workspaces.list, {})).toEqual([
      { _id: workspaceId, name: "Acme Sales", kind: "team", role: "member" },
    ]);
    expect((await alice.query(api.workspaces.members, { workspaceId })).map((m) => [m.email, m.role])).toEqual([
      ["alice@example.com", "admin"],
      ["bob@example.com", "member"],
    ]);
    const id = await bob.mutation(api.customers.create, { workspaceId, name: "Shared", email: "shared@example.com" });
    await alice.mutation(api.customers.update, { workspaceId, id, status: "active" });
    expect(await bob.query(api.customers.get, { workspaceId, id })).toMatchObject({ name: "Shared", status: "active" });
    expect(await names(alice, workspaceId)).toEqual(["Shared"]);
    // Without a workspaceId, everything acts on the personal workspace: the team's row is not there.
    expect(await names(bob)).toEqual([]);
    expect(await bob.query(api.customers.get, { id })).toBeNull();
    expect(await bob.query(api.workspaces.myInvitations, {})).toEqual([]);
  });

  it("members create and edit; only admins delete customers, rename, invite and manage members", async () => {
    const { alice, bob, workspaceId, userId } = await teamOfAliceAndBob();
    const id = await bob.mutation(api.customers.create, { workspaceId, name: "Kept", email: "kept@example.com" });
    expect(await codeOf(bob.mutation(api.customers.remove, { workspaceId, id }))).toBe(FORBIDDEN);
    expect(await codeOf(bob.mutation(api.workspaces.rename, { workspaceId, name: "Mine" }))).toBe(FORBIDDEN);
    expect(await codeOf(bob.mutation(api.workspaces.invite, { workspaceId, email: "x@example.com", role: "admin" }))).toBe(
      FORBIDDEN,
    );
    expect(
      await codeOf(bob.mutation(api.workspaces.setRole, { workspaceId, userId: userId("bob@example.com"), role: "admin" })),
    ).toBe(FORBIDDEN);
    expect(await codeOf(bob.mutation(api.workspaces.removeMember, { workspaceId, userId: userId("alice@example.com") }))).toBe(
      FORBIDDEN,
    );
    expect(await codeOf(bob.mutation(api.workspaces.remove, { workspaceId }))).toBe(FORBIDDEN);
    expect(await names(alice, workspaceId)).toEqual(["Kept"]);
    await alice.mutation(api.customers.remove, { workspaceId, id });
    expect(await names(bob, workspaceId)).toEqual([]);
  });

  it("a non-member gets exactly what a missing workspace gives: null or NOT_FOUND", async () => {
    const { alice, carol, workspaceId } = await teamOfAliceAndBob();
    const id = await alice.mutation(api.customers.create, { workspaceId, name: "Secret", email: "secret@example.com" });
    const gone = await alice.mutation(api.workspaces.create, { name: "Gone" });
    await alice.mutation(api.workspaces.remove, { workspaceId: gone });
    for (const target of [workspaceId, gone]) {
      expect(await carol.query(api.customers.get, { workspaceId: target, id })).toBeNull();
      expect(await codeOf(names(carol, target))).toBe(NOT_FOUND);
      expect(await codeOf(carol.query(api.workspaces.members, { workspaceId: target }))).toBe(NOT_FOUND);
      expect(await codeOf(carol.mutation(api.customers.create, { workspaceId: target, name: "X", email: "x@example.com" }))).toBe(
        NOT_FOUND,
      );
      expect(await codeOf(carol.mutation(api.customers.update, { workspaceId: target, id, name: "Y" }))).toBe(NOT_FOUND);
      expect(await codeOf(carol.mutation(api.customers.remove, { workspaceId: target, id }))).toBe(NOT_FOUND);
      expect(await codeOf(carol.mutation(api.workspaces.rename, { workspaceId: target, name: "Z" }))).toBe(NOT_FOUND);
      expect(await codeOf(carol.mutation(api.workspaces.leave, { workspaceId: target }))).toBe(NOT_FOUND);
      expect(
        await codeOf(carol.mutation(api.workspaces.invite, { workspaceId: target, email: "c@example.com", role: "admin" })),
      ).toBe(NOT_FOUND);
    }
    expect(await alice.query(api.customers.get, { workspaceId, id })).toMatchObject({ name: "Secret" });
  });

  it("the last admin can neither leave, be demoted nor be removed; with a second admin they can", async () => {
    const { alice, bob, workspaceId, userId } = await teamOfAliceAndBob();
    const aliceId = userId("alice@example.com");
    expect(await codeOf(alice.mutation(api.workspaces.leave, { workspaceId }))).toBe(FORBIDDEN);
    expect(await codeOf(alice.mutation(api.workspaces.setRole, { workspaceId, userId: aliceId, role: "member" }))).toBe(
      FORBIDDEN,
    );
    expect(await codeOf(alice.mutation(api.workspaces.removeMember, { workspaceId, userId: aliceId }))).toBe(FORBIDDEN);
    await alice.mutation(api.workspaces.setRole, { workspaceId, userId: userId("bob@example.com"), role: "admin" });
    await bob.mutation(api.workspaces.setRole, { workspaceId, userId: aliceId, role: "member" });
    expect(await codeOf(bob.mutation(api.workspaces.leave, { workspaceId }))).toBe(FORBIDDEN);
    await alice.mutation(api.workspaces.leave, { workspaceId });
    expect(await alice.query(api.workspaces.list, {})).toEqual([]);
    expect(await bob.query(api.workspaces.members, { workspaceId })).toEqual([
      { userId: userId("bob@example.com"), email: "bob@example.com", role: "admin" },
    ]);
  });

  it("an invitation is only for the email it names, and only with a verified email", async () => {
    const { t, as, alice, carol } = setup();
    const workspaceId = await alice.mutation(api.workspaces.create, { name: "Acme" });
    const invitationId = await alice.mutation(api.workspaces.invite, { workspaceId, email: "bob@example.com", role: "member" });
    expect(await carol.query(api.workspaces.myInvitations, {})).toEqual([]);
    expect(await codeOf(carol.mutation(api.workspaces.acceptInvitation, { invitationId }))).toBe(NOT_FOUND);
    expect(await codeOf(carol.mutation(api.workspaces.declineInvitation, { invitationId }))).toBe(NOT_FOUND);
    const unverifiedBob = as("bob@example.com", false);
    expect(await unverifiedBob.query(api.workspaces.myInvitations, {})).toEqual([]);
    expect(await codeOf(unverifiedBob.mutation(api.workspaces.acceptInvitation, { invitationId }))).toBe(NOT_FOUND);
    expect(await codeOf(carol.mutation(api.workspaces.acceptInvitation, { invitationId: "not-an-id" }))).toBe(NOT_FOUND);
    expect(await codeOf(names(carol, workspaceId))).toBe(NOT_FOUND);
    // Still pending for Bob.
    expect(await t.run((ctx) => ctx.db.get("invitations", invitationId))).toMatchObject({ email: "bob@example.com" });
  });

  it("lists pending invitations, re-inviting updates the role, declining removes it", async () => {
    const { alice, bob } = setup();
    const workspaceId = await alice.mutation(api.workspaces.create, { name: "Acme" });
    const first = await alice.mutation(api.workspaces.invite, { workspaceId, email: "bob@example.com", role: "member" });
    const again = await alice.mutation(api.workspaces.invite, { workspaceId, email: " BOB@example.com ", role: "admin" });
    expect(again).toBe(first);
    expect(await bob.query(api.workspaces.myInvitations, {})).toEqual([
      { _id: first, workspaceId, workspaceName: "Acme", role: "admin", invitedBy: "alice@example.com", expired: false },
    ]);
    expect(await codeOf(alice.mutation(api.workspaces.invite, { workspaceId, email: "nope", role: "member" }))).toBe(
      INVALID_INPUT,
    );
    expect(await codeOf(alice.mutation(api.workspaces.invite, { workspaceId, email: "alice@example.com", role: "member" }))).toBe(
      INVALID_INPUT,
    );
    await bob.mutation(api.workspaces.declineInvitation, { invitationId: first });
    expect(await bob.query(api.workspaces.myInvitations, {})).toEqual([]);
    expect(await codeOf(bob.mutation(api.workspaces.acceptInvitation, { invitationId: first }))).toBe(NOT_FOUND);
    expect(await bob.query(api.workspaces.list, {})).toEqual([]);
  });

  it("admins see the invitations they sent and withdraw them; members and outsiders cannot", async () => {
    const { alice, bob, carol, as, workspaceId } = await teamOfAliceAndBob();
    const outsider = as("dave@example.com");
    const invitationId = await alice.mutation(api.workspaces.invite, { workspaceId, email: "Carol@example.com", role: "member" });
    expect(await alice.query(api.workspaces.invitations, { workspaceId })).toEqual([
      { _id: invitationId, email: "carol@example.com", role: "member", invitedBy: "alice@example.com", expired: false },
    ]);
    expect(await codeOf(bob.query(api.workspaces.invitations, { workspaceId }))).toBe(FORBIDDEN);
    expect(await codeOf(carol.query(api.workspaces.invitations, { workspaceId }))).toBe(NOT_FOUND);

    expect(await codeOf(bob.mutation(api.workspaces.withdrawInvitation, { invitationId }))).toBe(FORBIDDEN);
    expect(await codeOf(carol.mutation(api.workspaces.withdrawInvitation, { invitationId }))).toBe(NOT_FOUND);
    expect(await codeOf(outsider.mutation(api.workspaces.withdrawInvitation, { invitationId: "not-an-id" }))).toBe(NOT_FOUND);
    await alice.mutation(api.workspaces.withdrawInvitation, { invitationId });
    expect(await alice.query(api.workspaces.invitations, { workspaceId })).toEqual([]);
    expect(await carol.query(api.workspaces.myInvitations, {})).toEqual([]);
    expect(await codeOf(carol.mutation(api.workspaces.acceptInvitation, { invitationId }))).toBe(NOT_FOUND);
    expect(await codeOf(alice.mutation(api.workspaces.withdrawInvitation, { invitationId }))).toBe(NOT_FOUND);
  });

  it("a removed member loses access at once", async () => {
    const { alice, bob, workspaceId, userId } = await teamOfAliceAndBob();
    const id = await bob.mutation(api.customers.create, { workspaceId, name: "Bob's lead", email: "lead@example.com" });
    await alice.mutation(api.workspaces.removeMember, { workspaceId, userId: userId("bob@example.com") });
    expect(await bob.query(api.workspaces.list, {})).toEqual([]);
    expect(await bob.query(api.customers.get, { workspaceId, id })).toBeNull();
    expect(await codeOf(names(bob, workspaceId))).toBe(NOT_FOUND);
    expect(await codeOf(bob.mutation(api.customers.update, { workspaceId, id, name: "Mine now" }))).toBe(NOT_FOUND);
    expect(await names(alice, workspaceId)).toEqual(["Bob's lead"]);
  });

  it("a personal workspace cannot be deleted, left or shared", async () => {
    const { alice } = setup();
    await alice.mutation(api.customers.create, { name: "Ada", email: "ada@example.com" });
    const [personal] = await alice.query(api.workspaces.list, {});
    const workspaceId = personal!._id;
    expect(await codeOf(alice.mutation(api.workspaces.remove, { workspaceId }))).toBe(FORBIDDEN);
    expect(await codeOf(alice.mutation(api.workspaces.leave, { workspaceId }))).toBe(FORBIDDEN);
    expect(await codeOf(alice.mutation(api.workspaces.invite, { workspaceId, email: "bob@example.com", role: "member" }))).toBe(
      FORBIDDEN,
    );
    // Passing the personal workspace's id is the same as passing none.
    expect(await names(alice, workspaceId)).toEqual(["Ada"]);
  });

  it("deleting a team removes its memberships, invitations and (in batches) its customers and their histories", async () => {
    vi.useFakeTimers();
    try {
      const { t, alice, bob, workspaceId } = await teamOfAliceAndBob();
      await alice.mutation(api.workspaces.invite, { workspaceId, email: "carol@example.com", role: "member" });
      for (const length of [DELETE_BATCH, 1]) {
        await alice.mutation(api.customers.createMany, {
          workspaceId,
          customers: Array.from({ length }, (_, i) => ({ name: `C${i}`, email: `c${i}@example.com` })),
        });
      }
      await alice.mutation(api.customers.create, { name: "Personal one", email: "p@example.com" });
      await alice.mutation(api.workspaces.remove, { workspaceId });
      expect(await bob.query(api.workspaces.list, {})).toEqual([]);
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      const left = await t.run(async (ctx) => ({
        customers: (await ctx.db.query("customers").collect()).map((c) => c.name),
        memberships: (await ctx.db.query("memberships").collect()).length,
        invitations: (await ctx.db.query("invitations").collect()).length,
        // The team's customers' histories went with them.
        activity: (await ctx.db.query("activity").collect()).length,
      }));
      expect(left).toEqual({ customers: ["Personal one"], memberships: 1, invitations: 0, activity: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("migrations:customersToWorkspaces", () => {
  it("moves pre-workspace customers into their owners' personal workspaces, and is safe to run twice", async () => {
    const { t, alice, bob, userId } = setup();
    // Alice already has a personal workspace (she wrote since the deploy); Bob has none yet.
    await alice.mutation(api.customers.create, { name: "Alice new", email: "new@example.com" });
    await t.run(async (ctx) => {
      for (const [owner, name] of [
        ["alice@example.com", "Alice old 1"],
        ["bob@example.com", "Bob old 1"],
        ["alice@example.com", "Alice old 2"],
        ["bob@example.com", "Bob old 2"],
        ["bob@example.com", "Bob old 3"],
      ] as const) {
        await ctx.db.insert("customers", {
          userId: userId(owner),
          name,
          email: "x@example.com",
          status: "lead",
          searchText: name,
        });
      }
    });
    const runs: { migrated: number; done: boolean }[] = [];
    for (;;) {
      const result = await t.mutation(internal.migrations.customersToWorkspaces, { batchSize: 2 });
      runs.push(result);
      if (result.done) break;
    }
    expect(runs).toEqual([
      { migrated: 2, done: false },
      { migrated: 2, done: false },
      { migrated: 1, done: true },
    ]);
    expect(await names(alice)).toEqual(["Alice old 2", "Alice old 1", "Alice new"]);
    expect(await names(bob)).toEqual(["Bob old 3", "Bob old 2", "Bob old 1"]);
    expect(await t.mutation(internal.migrations.customersToWorkspaces, {})).toEqual({ migrated: 0, done: true });
    const counts = await t.run(async (ctx) => ({
      workspaces: (await ctx.db.query("workspaces").collect()).length,
      memberships: (await ctx.db.query("memberships").collect()).length,
      customers: (await ctx.db.query("customers").collect()).filter((c) => c.workspaceId === undefined).length,
    }));
    expect(counts).toEqual({ workspaces: 2, memberships: 2, customers: 0 });
    expect(await names(alice)).toEqual(["Alice old 2", "Alice old 1", "Alice new"]);
  });

  it("with scheduleRest, one call migrates everything through the scheduler", async () => {
    vi.useFakeTimers();
    try {
      const { t, alice, userId } = setup();
      await t.run(async (ctx) => {
        for (let i = 0; i < 7; i++) {
          await ctx.db.insert("customers", {
            userId: userId("alice@example.com"),
            name: `Old ${i}`,
            email: "x@example.com",
            status: "lead",
            searchText: "x",
          });
        }
      });
      expect(await t.mutation(internal.migrations.customersToWorkspaces, { batchSize: 3, scheduleRest: true })).toEqual({
        migrated: 3,
        done: false,
      });
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      expect(await names(alice)).toHaveLength(7);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("invitation expiry (issue 23.6)", () => {
  const DAY = 24 * 60 * 60 * 1000;

  it("is a daily cron job", () => {
    expect(JSON.parse(JSON.stringify(crons.crons["expire invitations"]))).toEqual({
      name: "workspaces:expireInvitations",
      args: [{}],
      schedule: { type: "daily", hourUTC: 3 },
    });
    expect(INVITATION_TTL_MS).toBe(14 * DAY);
  });

  it("after 14 days an invitation cannot be accepted, both sides see it expired, and the admin can invite again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const { t, alice, bob, carol } = setup();
      const workspaceId = await alice.mutation(api.workspaces.create, { name: "Acme" });
      const first = await alice.mutation(api.workspaces.invite, { workspaceId, email: "bob@example.com", role: "admin" });
      const carols = await alice.mutation(api.workspaces.invite, { workspaceId, email: "carol@example.com", role: "member" });
      const expire = () => t.mutation(internal.workspaces.expireInvitations, {});

      vi.advanceTimersByTime(14 * DAY - 1000);
      expect(await expire()).toBe(0);
      expect(await bob.query(api.workspaces.myInvitations, {})).toMatchObject([{ _id: first, expired: false }]);

      // Past 14 days and before the clean-up's next run: already refused, not yet shown.
      vi.advanceTimersByTime(2000);
      const refused = await bob
        .mutation(api.workspaces.acceptInvitation, { invitationId: first })
        .catch((error: unknown) => error);
      expect((refused as ConvexError<{ code: string; message: string }>).data).toEqual({
        code: FORBIDDEN,
        message: "That invitation has expired: ask an admin of the workspace to invite you again.",
      });
      expect(await expire()).toBe(2);
      expect(await expire()).toBe(0);
      expect(await bob.query(api.workspaces.myInvitations, {})).toEqual([
        { _id: first, workspaceId, workspaceName: "Acme", role: "admin", invitedBy: "alice@example.com", expired: true },
      ]);
      expect(await alice.query(api.workspaces.invitations, { workspaceId })).toEqual([
        { _id: first, email: "bob@example.com", role: "admin", invitedBy: "alice@example.com", expired: true },
        { _id: carols, email: "carol@example.com", role: "member", invitedBy: "alice@example.com", expired: true },
      ]);
      expect(await codeOf(bob.mutation(api.workspaces.acceptInvitation, { invitationId: first }))).toBe(FORBIDDEN);
      expect(await bob.query(api.workspaces.list, {})).toEqual([]);

      // The invitee dismisses theirs; the admin invites Bob again: a new invitation, 14 new days.
      await carol.mutation(api.workspaces.declineInvitation, { invitationId: carols });
      const second = await alice.mutation(api.workspaces.invite, { workspaceId, email: "bob@example.com", role: "member" });
      expect(second).not.toBe(first);
      expect(await alice.query(api.workspaces.invitations, { workspaceId })).toEqual([
        { _id: second, email: "bob@example.com", role: "member", invitedBy: "alice@example.com", expired: false },
      ]);
      vi.advanceTimersByTime(13 * DAY);
      expect(await expire()).toBe(0);
      expect(await bob.mutation(api.workspaces.acceptInvitation, { invitationId: second })).toBe(workspaceId);
      expect(await bob.query(api.workspaces.list, {})).toMatchObject([{ _id: workspaceId, role: "member" }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it(`marks ${EXPIRE_BATCH} a transaction, scheduling the next batch`, async () => {
    vi.useFakeTimers();
    try {
      const { t, alice } = setup();
      const workspaceId = await alice.mutation(api.workspaces.create, { name: "Big" });
      await t.run(async (ctx) => {
        for (let i = 0; i <= EXPIRE_BATCH; i++) {
          await ctx.db.insert("invitations", {
            workspaceId,
            email: `p${i}@example.com`,
            role: "member",
            invitedBy: "alice@example.com",
          });
        }
      });
      vi.advanceTimersByTime(15 * DAY);
      expect(await t.mutation(internal.workspaces.expireInvitations, {})).toBe(EXPIRE_BATCH);
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      const invitations = await t.run((ctx) => ctx.db.query("invitations").collect());
      expect(invitations.filter((invitation) => invitation.expiredAt === undefined)).toEqual([]);
      expect(invitations).toHaveLength(EXPIRE_BATCH + 1);
    } finally {
      vi.useRealTimers();
    }
  });
});
