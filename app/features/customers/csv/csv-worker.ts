/**
 * The page's side of the CSV worker: one request at a time, answered by a promise. The worker is
 * a module served from the app's own origin (the CSP allows workers from 'self' only).
 */
import type { ColumnMapping } from "./columns";
import type { CsvRequest, CsvResponse } from "./protocol";
import type { ImportRow, RejectedRow } from "./rows";

type Answer<T extends CsvResponse["type"]> = Extract<CsvResponse, { type: T }>;

export interface CheckedRows {
  rows: ImportRow[];
  rejected: RejectedRow[];
  rejectedCsv: string;
}

export class CsvWorker {
  private readonly worker = new Worker(new URL("./csv.worker.ts", import.meta.url), { type: "module" });

  private request<T extends CsvResponse["type"]>(
    message: CsvRequest,
    answer: T,
    onProgress?: (fraction: number) => void,
    onPart?: (part: Answer<"checkedPart">) => void,
  ): Promise<Answer<T>> {
    return new Promise((resolve, reject) => {
      this.worker.onmessage = (event: MessageEvent<CsvResponse>) => {
        const response = event.data;
        if (response.type === "progress") onProgress?.(response.fraction);
        else if (response.type === "checkedPart") onPart?.(response);
        else if (response.type === answer) resolve(response as Answer<T>);
        else if (response.type === "error") reject(new Error(response.message));
      };
      this.worker.onerror = (event) => reject(new Error(event.message || "The CSV worker failed"));
      this.worker.postMessage(message);
    });
  }

  parse(file: File, onProgress: (fraction: number) => void) {
    return this.request({ type: "parse", file }, "parsed", onProgress);
  }

  /** Every record checked: the rows to import, and the rejected ones with their reasons (and as CSV). */
  async check(mapping: ColumnMapping): Promise<CheckedRows> {
    const rows: ImportRow[] = [];
    const rejected: RejectedRow[] = [];
    const { rejectedCsv } = await this.request({ type: "check", mapping }, "checked", undefined, (part) => {
      for (const row of part.rows) rows.push(row);
      for (const row of part.rejected) rejected.push(row);
    });
    return { rows, rejected, rejectedCsv };
  }

  /** Adds rows for the next `unparse` (unanswered: messages to a worker arrive in order). */
  append(rows: string[][]) {
    this.worker.postMessage({ type: "append", rows } satisfies CsvRequest);
  }

  /** The rows appended so far, under `header`, as CSV text. */
  async unparse(header: string[]): Promise<string> {
    return (await this.request({ type: "unparse", header }, "unparsed")).text;
  }

  terminate() {
    this.worker.terminate();
  }
}
