/**
 * The list as it is filtered and sorted now, every page of it, as a CSV download. Pages are read
 * one query at a time (the page stays responsive between them), each handed to the CSV worker as
 * it arrives, and the CSV is written there, so 100,000 customers never hold the main thread for long.
 */
import type { ConvexReactClient } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { api } from "../../../../convex/_generated/api";
import { inWorkspace, listFilters, type WorkspaceRef } from "../queries";
import type { CustomerListSearch } from "../search-params";
import { CsvWorker } from "./csv-worker";

const EXPORT_PAGE = 1000;
const HEADER = ["Name", "Email", "Company", "Phone", "Status", "Notes", "Created"];

export async function exportCustomers(
  convex: ConvexReactClient,
  workspaceId: WorkspaceRef,
  search: CustomerListSearch,
  onProgress: (rows: number) => void,
): Promise<string> {
  const worker = new CsvWorker();
  try {
    let rows = 0;
    let cursor: string | null = null;
    for (;;) {
      const page: FunctionReturnType<typeof api.customers.listByUser> = await convex.query(
        api.customers.listByUser,
        inWorkspace(workspaceId, { ...listFilters(search), paginationOpts: { numItems: EXPORT_PAGE, cursor } }),
      );
      // Each page goes to the worker as it arrives: all of them in one message would hold the page.
      worker.append(
        page.page.map((c) => [
          c.name,
          c.email,
          c.company ?? "",
          c.phone ?? "",
          c.status,
          c.notes ?? "",
          new Date(c._creationTime).toISOString(),
        ]),
      );
      rows += page.page.length;
      onProgress(rows);
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
    return await worker.unparse(HEADER);
  } finally {
    worker.terminate();
  }
}

/** Hands the text to the browser as a file download. */
export function download(text: string, fileName: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
