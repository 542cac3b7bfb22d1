/**
 * A customer's history. Every mutation that changes a customer, or what belongs to it, records
 * the change here itself, in its own transaction: a change that fails records nothing, and a
 * change is recorded once. One call per customer, so a batch (an import) records each row it
 * inserts with the same helper.
 */
import type { UserIdentity } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { ActivityChange, HistoryField } from "../schema";

/** Who made a change, as the history names them. */
export interface Actor {
  /** tokenIdentifier */
  id: string;
  name: string;
}

/** The caller as the history names them: the name their identity provider gives, else their email. */
export function actorOf(identity: UserIdentity): Actor {
  return { id: identity.tokenIdentifier, name: identity.name?.trim() || identity.email?.trim() || "Someone" };
}

/** Where a change happened. */
export interface ActivityTarget {
  workspaceId: Id<"workspaces">;
  customerId: Id<"customers">;
}

/** Records `changes` to one customer, by `actor`, in the calling mutation's transaction. */
export async function recordActivity(
  ctx: MutationCtx,
  target: ActivityTarget,
  actor: Actor,
  changes: ActivityChange | readonly ActivityChange[],
): Promise<void> {
  for (const change of "kind" in changes ? [changes] : changes) {
    await ctx.db.insert("activity", {
      workspaceId: target.workspaceId,
      customerId: target.customerId,
      actorId: actor.id,
      actorName: actor.name,
      change,
    });
  }
}

type CustomerValues = Pick<Doc<"customers">, HistoryField | "status">;

const HISTORY_FIELDS: readonly HistoryField[] = ["name", "email", "company", "phone", "notes"];

/** What an update changed: one entry per field that differs, none when nothing did. */
export function customerChanges(before: CustomerValues, after: CustomerValues): ActivityChange[] {
  const changes: ActivityChange[] = [];
  for (const field of HISTORY_FIELDS) {
    const from = before[field];
    const to = after[field];
    if (from === to) continue;
    changes.push({
      kind: "field",
      field,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    });
  }
  if (before.status !== after.status) changes.push({ kind: "status", from: before.status, to: after.status });
  return changes;
}
