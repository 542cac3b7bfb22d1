/**
 * Parses, checks and writes CSV off the page's main thread, so a 100,000-row file never freezes
 * the page. Papa Parse reads the file in chunks (quoted fields, line breaks inside quotes, a BOM,
 * `,` `;` or tab separators, `\r\n`); the records stay here until the page asks for them checked.
 */
import Papa from "papaparse";
import type { ColumnMapping } from "./columns";
import { CHECKED_PART_ROWS, type CsvRequest, type CsvResponse, MAX_IMPORT_ROWS } from "./protocol";
import { checkRows } from "./rows";

const PREVIEW_ROWS = 5;

let header: string[] = [];
let records: string[][] = [];
/** The export's rows so far (`append`), until `unparse` writes them. */
let exportRows: string[][] = [];

const post = (message: CsvResponse) => self.postMessage(message);

function parse(file: File) {
  header = [];
  records = [];
  let first = true;
  let failed = false;
  Papa.parse<string[]>(file, {
    skipEmptyLines: "greedy",
    chunkSize: 1024 * 1024,
    chunk: (results, parser) => {
      const data = first ? results.data.slice(1) : results.data;
      if (first) header = (results.data[0] ?? []).map((title) => title.trim());
      first = false;
      for (const record of data) records.push(record);
      if (records.length > MAX_IMPORT_ROWS) {
        failed = true;
        parser.abort();
        post({
          type: "error",
          message: `This file has more than ${MAX_IMPORT_ROWS.toLocaleString("en")} rows; split it into smaller files.`,
        });
        return;
      }
      post({ type: "progress", fraction: file.size ? Math.min(1, results.meta.cursor / file.size) : 1 });
    },
    complete: (results) => {
      if (failed) return;
      if (header.length === 0) {
        post({ type: "error", message: "This file is empty: it needs a header row and at least one customer." });
        return;
      }
      post({
        type: "parsed",
        header,
        preview: records.slice(0, PREVIEW_ROWS),
        records: records.length,
        delimiter: results?.meta.delimiter ?? ",",
      });
    },
    error: (error) => post({ type: "error", message: `This file could not be read: ${error.message}` }),
  });
}

function check(mapping: ColumnMapping) {
  const { rows, rejected } = checkRows(records, mapping);
  const rejectedCsv = Papa.unparse({ fields: [...header, "Error"], data: rejected.map((r) => [...r.cells, r.reason]) });
  for (let start = 0; start < Math.max(rows.length, rejected.length); start += CHECKED_PART_ROWS) {
    const end = start + CHECKED_PART_ROWS;
    post({ type: "checkedPart", rows: rows.slice(start, end), rejected: rejected.slice(start, end) });
  }
  post({ type: "checked", rejectedCsv });
}

self.onmessage = (event: MessageEvent<CsvRequest>) => {
  const request = event.data;
  try {
    if (request.type === "parse") parse(request.file);
    else if (request.type === "check") check(request.mapping);
    else if (request.type === "append") exportRows.push(...request.rows);
    else {
      // An export opens in spreadsheets: a cell starting with = + - @ (a lead's name from a web
      // form) is written with a leading ' so it is shown as text, never run as a formula.
      const text = Papa.unparse({ fields: request.header, data: exportRows }, { escapeFormulae: true });
      exportRows = [];
      post({ type: "unparsed", text });
    }
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
};
