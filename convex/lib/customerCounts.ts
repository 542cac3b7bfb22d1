/**
 * Customers counted with `@convex-dev/aggregate` (docs/decisions/013): one B-tree per workspace
 * and status (the component instance `customerCounts`), keyed by the week of creation. A status's
 * count is its tree's size, kept at the root; a week's count reads a few nodes per tree level,
 * whatever the number of customers: the list's status counts and its weekly chart never read the
 * customers themselves.
 * Every mutation that writes a customer keeps the tree in step in its own transaction (the
 * component's synchronous mode: one component call per write), and
 * `migrations:customersBackfill` counts rows written before.
 */
import { TableAggregate } from "@convex-dev/aggregate";
import { components } from "../_generated/api";
import type { DataModel, Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { CustomerStatus } from "../schema";
import { CUSTOMER_STATUSES } from "./customerFields";
import { CHART_WEEKS, WEEK_MS, weekStartOf } from "./weeks";

function workspaceOf(customer: Doc<"customers">): Id<"workspaces"> {
  // Rows without a workspace predate workspaces; migrations:customersToWorkspaces moves them first.
  if (customer.workspaceId === undefined) throw new Error(`Customer ${customer._id} has no workspace and cannot be counted`);
  return customer.workspaceId;
}

const counts = new TableAggregate<{
  Namespace: [Id<"workspaces">, CustomerStatus];
  Key: number;
  DataModel: DataModel;
  TableName: "customers";
}>(components.customerCounts, {
  namespace: (customer) => [workspaceOf(customer), customer.status],
  sortKey: (customer) => weekStartOf(customer._creationTime),
});

/**
 * Whether a row is counted: every row written since the counts exist is, with its `emailKey`;
 * a row without one was written before, and is counted by its next write or by the backfill.
 */
const counted = (customer: Doc<"customers">) => customer.emailKey !== undefined;

export async function countInserted(ctx: MutationCtx, customer: Doc<"customers">): Promise<void> {
  await counts.insert(ctx, customer);
}

/** Only a change of status moves a customer in the counts; other edits cost nothing here. */
export async function countReplaced(ctx: MutationCtx, before: Doc<"customers">, after: Doc<"customers">): Promise<void> {
  if (!counted(before)) await counts.insertIfDoesNotExist(ctx, after);
  else if (before.status !== after.status || before.workspaceId !== after.workspaceId) await counts.replace(ctx, before, after);
}

export async function countDeleted(ctx: MutationCtx, customer: Doc<"customers">): Promise<void> {
  if (counted(customer)) await counts.delete(ctx, customer);
  else await counts.deleteIfExists(ctx, customer);
}

/** Counts a row written before the counts existed (the backfill); one already counted stays as it is. */
export async function countIfMissing(ctx: MutationCtx, customer: Doc<"customers">): Promise<void> {
  await counts.insertIfDoesNotExist(ctx, customer);
}

export type StatusCounts = Record<CustomerStatus, number>;

/** What the list shows above its rows: customers per status, and new customers per week. */
export interface CustomerSummary {
  counts: StatusCounts & { all: number };
  /** CHART_WEEKS weeks, oldest first: each week's start and its new customers by current status. */
  weeks: { start: number; counts: StatusCounts }[];
}

function weekStarts(weekStart: number): number[] {
  const current = weekStartOf(weekStart);
  return Array.from({ length: CHART_WEEKS }, (_, i) => current - (CHART_WEEKS - 1 - i) * WEEK_MS);
}

function byStatusOf(read: (status: CustomerStatus, index: number) => number): StatusCounts {
  return Object.fromEntries(CUSTOMER_STATUSES.map((status, index) => [status, read(status, index)])) as StatusCounts;
}

function summaryOf(totals: StatusCounts, starts: number[], perWeek: (status: number, week: number) => number): CustomerSummary {
  return {
    counts: { ...totals, all: CUSTOMER_STATUSES.reduce((sum, status) => sum + totals[status], 0) },
    weeks: starts.map((start, w) => ({ start, counts: byStatusOf((_, s) => perWeek(s, w)) })),
  };
}

/** The summary of a workspace that has no customers (a personal one not created yet). */
export function emptySummary(weekStart: number): CustomerSummary {
  return summaryOf(
    byStatusOf(() => 0),
    weekStarts(weekStart),
    () => 0,
  );
}

/**
 * The summary for the weeks up to the one holding `weekStart` (the caller passes the time:
 * Convex caches a query's result, so a query must not read the clock). One component call.
 */
export async function customerSummary(ctx: QueryCtx, workspaceId: Id<"workspaces">, weekStart: number): Promise<CustomerSummary> {
  const starts = weekStarts(weekStart);
  const found = await counts.countBatch(ctx, [
    ...CUSTOMER_STATUSES.map((status) => ({ namespace: [workspaceId, status] as [Id<"workspaces">, CustomerStatus] })),
    ...CUSTOMER_STATUSES.flatMap((status) =>
      starts.map((start) => ({ namespace: [workspaceId, status] as [Id<"workspaces">, CustomerStatus], bounds: { eq: start } })),
    ),
  ]);
  const statuses = CUSTOMER_STATUSES.length;
  return summaryOf(
    byStatusOf((_, s) => found[s]!),
    starts,
    (s, w) => found[statuses + s * CHART_WEEKS + w]!,
  );
}
