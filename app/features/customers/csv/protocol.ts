/** What the page and the CSV worker (csv.worker.ts) say to each other. */
import type { ColumnMapping } from "./columns";
import type { ImportRow, RejectedRow } from "./rows";

/** More than this is refused with a clear message: split the file (Twenty caps an import at 10,000). */
export const MAX_IMPORT_ROWS = 100_000;

/** Checked rows per message from the worker: each is copied into the page in a few ms. */
export const CHECKED_PART_ROWS = 2_000;

export type CsvRequest =
  | { type: "parse"; file: File }
  | { type: "check"; mapping: ColumnMapping }
  /** Rows for the next `unparse`, a page at a time: one message of 100,000 rows holds the page ~0.3 s. */
  | { type: "append"; rows: string[][] }
  | { type: "unparse"; header: string[] };

export type CsvResponse =
  | { type: "progress"; fraction: number }
  | { type: "parsed"; header: string[]; preview: string[][]; records: number; delimiter: string }
  /**
   * Checked rows, a part at a time (CHECKED_PART_ROWS): one message of 100,000 rows held the page
   * ~0.4 s while Chromium copied it in; then `checked` ends them.
   */
  | { type: "checkedPart"; rows: ImportRow[]; rejected: RejectedRow[] }
  | { type: "checked"; rejectedCsv: string }
  | { type: "unparsed"; text: string }
  | { type: "error"; message: string };
