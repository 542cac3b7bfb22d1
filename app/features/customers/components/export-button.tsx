import { useConvex } from "convex/react";
import { useState } from "react";
import { ErrorMessage } from "../../../components/error-message";
import type { WorkspaceRef } from "../queries";
import type { CustomerListSearch } from "../search-params";

const count = new Intl.NumberFormat("en");

/** "Export CSV": the list as filtered and sorted now, all pages; the code loads at the first click. */
export function ExportButton({ workspaceId, search }: { workspaceId: WorkspaceRef; search: CustomerListSearch }) {
  const convex = useConvex();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run() {
    setError(null);
    setProgress(0);
    try {
      const { download, exportCustomers } = await import("../csv/export");
      download(await exportCustomers(convex, workspaceId, search, setProgress), "customers.csv");
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : "The export failed.");
    } finally {
      setProgress(null);
    }
  }

  return (
    <>
      <button type="button" className="button button-secondary" onClick={() => void run()} disabled={progress !== null}>
        {progress === null ? "Export CSV" : `Exporting… ${count.format(progress)}`}
      </button>
      <ErrorMessage inline>{error}</ErrorMessage>
    </>
  );
}
