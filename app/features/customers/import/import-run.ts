/**
 * Sends checked rows to convex/imports.ts in batches, one at a time, with a progress count. A
 * failed batch stops the run and can be retried: the import keeps its id, and the server's
 * receipts make a batch sent again write each of its rows once. Cancel stops after the batch in
 * flight (a batch is one transaction: it is written whole or not at all).
 */
import { useConvex } from "convex/react";
import { useRef, useState } from "react";
import { api } from "../../../../convex/_generated/api";
import { toUserFacingError } from "../../../lib/convex-errors";
import type { ImportRow, RejectedRow } from "../csv/rows";
import { inWorkspace, type WorkspaceRef } from "../queries";

/** Rows per mutation: at most convex/customers.ts MAX_BATCH, small enough for a steady progress bar. */
export const BATCH_ROWS = 250;

export type OnDuplicate = "skip" | "update";

export interface ImportTotals {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

export interface ImportRunState {
  phase: "running" | "failed" | "cancelled" | "done";
  /** Rows answered by the server so far. */
  sent: number;
  total: number;
  totals: ImportTotals;
  /** Rows the server refused (its rules are the form's, so normally none). */
  refused: RejectedRow[];
  failure?: { firstRow: number; lastRow: number; message: string };
}

const noTotals = (): ImportTotals => ({ created: 0, updated: 0, unchanged: 0, skipped: 0 });

export function useImportRun(workspaceId: WorkspaceRef) {
  const convex = useConvex();
  const [state, setState] = useState<ImportRunState | null>(null);
  const run = useRef<{ importId: string; fileName: string; onDuplicate: OnDuplicate; rows: ImportRow[]; next: number } | null>(
    null,
  );
  const cancelled = useRef(false);

  async function sendFrom(current: NonNullable<typeof run.current>) {
    cancelled.current = false;
    setState((s) => (s ? { ...s, phase: "running", failure: undefined } : s));
    while (current.next < current.rows.length) {
      if (cancelled.current) {
        setState((s) => (s ? { ...s, phase: "cancelled" } : s));
        return;
      }
      const batch = current.rows.slice(current.next, current.next + BATCH_ROWS);
      let results;
      try {
        results = await convex.mutation(
          api.imports.importBatch,
          inWorkspace(workspaceId, {
            importId: current.importId,
            fileName: current.fileName,
            onDuplicate: current.onDuplicate,
            rows: batch,
          }),
        );
      } catch (error) {
        const message = toUserFacingError(error, "The batch could not be imported.").message;
        setState((s) =>
          s ? { ...s, phase: "failed", failure: { firstRow: batch[0]!.row, lastRow: batch.at(-1)!.row, message } } : s,
        );
        return;
      }
      current.next += batch.length;
      setState((s) => {
        if (!s) return s;
        const totals = { ...s.totals };
        const refused = [...s.refused];
        for (const result of results) {
          if (result.outcome === "rejected") {
            const row = batch.find((r) => r.row === result.row);
            refused.push({
              row: result.row,
              cells: row ? [row.name, row.email] : [],
              reason: Object.values(result.fields).join("; "),
            });
          } else totals[result.outcome]++;
        }
        return { ...s, sent: s.sent + batch.length, totals, refused };
      });
    }
    setState((s) => (s ? { ...s, phase: "done" } : s));
  }

  return {
    state,
    start(fileName: string, rows: ImportRow[], onDuplicate: OnDuplicate) {
      run.current = { importId: crypto.randomUUID(), fileName, onDuplicate, rows, next: 0 };
      setState({ phase: "running", sent: 0, total: rows.length, totals: noTotals(), refused: [] });
      return sendFrom(run.current);
    },
    /** Sends the failed batch again, and the rest after it, under the same import id. */
    retry() {
      if (run.current) return sendFrom(run.current);
    },
    cancel() {
      cancelled.current = true;
    },
    reset() {
      run.current = null;
      setState(null);
    },
  };
}
