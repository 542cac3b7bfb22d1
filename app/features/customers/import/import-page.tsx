import { Link } from "@tanstack/react-router";
import { type DragEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import { ErrorMessage } from "../../../components/error-message";
import { type ColumnMapping, FIELD_LABELS, guessMapping, IMPORT_FIELDS, type ImportField, missingRequired } from "../csv/columns";
import { type CheckedRows, CsvWorker } from "../csv/csv-worker";
import type { CsvResponse } from "../csv/protocol";
import type { WorkspaceRef } from "../queries";
import { type ImportRunState, type OnDuplicate, useImportRun } from "./import-run";

type Parsed = Extract<CsvResponse, { type: "parsed" }> & { fileName: string };

const count = new Intl.NumberFormat("en");
/** Rejected rows listed on the page; all of them are in the download. */
const LISTED_REJECTIONS = 100;

/**
 * /customers/import: choose or drop a CSV file, map its columns, see which rows fail the form's
 * rules, then import the rest in batches. Parsing and checking run in a worker (csv.worker.ts).
 */
export function ImportPage({ workspaceId }: { workspaceId: WorkspaceRef }) {
  const worker = useRef<CsvWorker | null>(null);
  const [parsing, setParsing] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [mapping, setMapping] = useState<ColumnMapping>([]);
  const [checked, setChecked] = useState<CheckedRows | null>(null);
  const [onDuplicate, setOnDuplicate] = useState<OnDuplicate>("skip");
  const run = useImportRun(workspaceId);
  const ids = { file: useId(), duplicates: useId() };

  useEffect(() => {
    worker.current = new CsvWorker();
    return () => worker.current?.terminate();
  }, []);

  // Every mapping is checked at once, in the worker: the counts and reasons follow each change.
  useEffect(() => {
    if (!parsed || !worker.current) return;
    let current = true;
    setChecked(null);
    worker.current.check(mapping).then(
      (result) => current && setChecked(result),
      (cause: Error) => current && setError(cause.message),
    );
    return () => {
      current = false;
    };
  }, [parsed, mapping]);

  async function open(file: File | undefined) {
    if (!file || !worker.current) return;
    run.reset();
    setError(null);
    setParsed(null);
    setChecked(null);
    setParsing(0);
    try {
      const result = await worker.current.parse(file, setParsing);
      setMapping(guessMapping(result.header));
      setParsed({ ...result, fileName: file.name });
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    } finally {
      setParsing(null);
    }
  }

  function onDrop(event: DragEvent<HTMLElement>) {
    event.preventDefault();
    void open(event.dataTransfer.files[0]);
  }

  const missing = missingRequired(mapping);
  const busy = run.state?.phase === "running";

  return (
    <section className="import">
      <header className="page-header">
        <h1>Import customers</h1>
        <Link to="/customers" className="button button-secondary">
          Back to customers
        </Link>
      </header>

      <div className="dropzone" onDragOver={(event) => event.preventDefault()} onDrop={onDrop} data-testid="dropzone">
        <label htmlFor={ids.file}>Choose a CSV file, or drop one here</label>
        <input
          id={ids.file}
          type="file"
          accept=".csv,text/csv"
          disabled={busy}
          onChange={(event) => void open(event.target.files?.[0])}
        />
        <p className="muted">A header row first; columns separated by commas or semicolons.</p>
      </div>

      {parsing !== null ? (
        <p role="status">
          Reading the file… <progress max={1} value={parsing} aria-label="Reading the file" />
        </p>
      ) : null}
      <ErrorMessage>{error}</ErrorMessage>

      {parsed ? (
        <>
          <h2>
            {parsed.fileName}: {count.format(parsed.records)} rows
          </h2>
          <ColumnsTable parsed={parsed} mapping={mapping} onChange={setMapping} disabled={busy} />
          {missing.length > 0 ? (
            <ErrorMessage>Choose the column for {missing.map((field) => FIELD_LABELS[field]).join(" and ")}.</ErrorMessage>
          ) : null}
          <fieldset className="field" disabled={busy}>
            <legend id={ids.duplicates}>Customers whose email is already in this workspace</legend>
            <label>
              <input type="radio" name="duplicates" checked={onDuplicate === "skip"} onChange={() => setOnDuplicate("skip")} />{" "}
              Skip them
            </label>
            <label>
              <input
                type="radio"
                name="duplicates"
                checked={onDuplicate === "update"}
                onChange={() => setOnDuplicate("update")}
              />{" "}
              Update them with the file&apos;s values
            </label>
          </fieldset>

          {checked === null ? (
            <p role="status">Checking rows…</p>
          ) : (
            <>
              <p role="status" data-testid="check-summary">
                {count.format(checked.rows.length)} ready to import, {count.format(checked.rejected.length)} with errors.
              </p>
              {checked.rejected.length > 0 ? <Rejected checked={checked} fileName={parsed.fileName} /> : null}
              {run.state === null ? (
                <button
                  type="button"
                  className="button"
                  disabled={missing.length > 0 || checked.rows.length === 0}
                  onClick={() => void run.start(parsed.fileName, checked.rows, onDuplicate)}
                >
                  Import {count.format(checked.rows.length)} customers
                </button>
              ) : (
                <Progress state={run.state} onCancel={() => run.cancel()} onRetry={() => void run.retry()} />
              )}
            </>
          )}
        </>
      ) : null}
    </section>
  );
}

function ColumnsTable({
  parsed,
  mapping,
  onChange,
  disabled,
}: {
  parsed: Parsed;
  mapping: ColumnMapping;
  onChange: (mapping: ColumnMapping) => void;
  disabled: boolean;
}) {
  const choose = (column: number, field: ImportField | null) =>
    // A field goes to one column: choosing it elsewhere leaves its previous column out.
    onChange(mapping.map((current, index) => (index === column ? field : current === field ? null : current)));
  return (
    <div className="table-wrap">
      <table className="table" data-testid="import-preview">
        <caption className="visually-hidden">The file&apos;s first rows, and the field each column fills</caption>
        <thead>
          <tr>
            {parsed.header.map((title, column) => (
              <th key={column} scope="col">
                <span>{title || `Column ${column + 1}`}</span>
                <select
                  aria-label={`Field for column ${title || column + 1}`}
                  value={mapping[column] ?? ""}
                  disabled={disabled}
                  onChange={(event) => choose(column, (event.target.value || null) as ImportField | null)}
                >
                  <option value="">Leave out</option>
                  {IMPORT_FIELDS.map((field) => (
                    <option key={field} value={field}>
                      {FIELD_LABELS[field]}
                    </option>
                  ))}
                </select>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {parsed.preview.map((cells, row) => (
            <tr key={row}>
              {parsed.header.map((_, column) => (
                <td key={column}>{cells[column] ?? ""}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Rejected({ checked, fileName }: { checked: CheckedRows; fileName: string }) {
  const url = useMemo(() => URL.createObjectURL(new Blob([checked.rejectedCsv], { type: "text/csv" })), [checked]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  const listed = checked.rejected.slice(0, LISTED_REJECTIONS);
  return (
    <details className="rejected" open>
      <summary>Rows with errors (not imported)</summary>
      <a className="button button-secondary" href={url} download={`${fileName.replace(/\.csv$/i, "")}-errors.csv`}>
        Download rows with errors (CSV)
      </a>
      <ul data-testid="rejected-rows">
        {listed.map((rejected) => (
          <li key={rejected.row}>
            Row {rejected.row}: {rejected.reason}
          </li>
        ))}
      </ul>
      {checked.rejected.length > listed.length ? (
        <p className="muted">…and {count.format(checked.rejected.length - listed.length)} more in the download.</p>
      ) : null}
    </details>
  );
}

function Progress({ state, onCancel, onRetry }: { state: ImportRunState; onCancel: () => void; onRetry: () => void }) {
  const { totals } = state;
  return (
    <div className="import-progress">
      <progress max={state.total} value={state.sent} aria-label="Import progress" />
      <p role="status" data-testid="import-status">
        {state.phase === "done" ? "Imported: " : state.phase === "cancelled" ? "Cancelled after " : ""}
        {count.format(state.sent)} of {count.format(state.total)} rows. {count.format(totals.created)} created,{" "}
        {count.format(totals.updated)} updated, {count.format(totals.unchanged + totals.skipped)} already there.
      </p>
      {state.phase === "running" ? (
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
      {state.failure ? (
        <div role="alert">
          <p className="form-error">
            Rows {state.failure.firstRow}–{state.failure.lastRow} were not imported: {state.failure.message}
          </p>
          <button type="button" className="button" onClick={onRetry}>
            Retry
          </button>
        </div>
      ) : null}
      {state.refused.length > 0 ? (
        <ul>
          {state.refused.map((refused) => (
            <li key={refused.row}>
              Row {refused.row}: {refused.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
