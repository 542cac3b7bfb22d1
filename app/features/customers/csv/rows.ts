/**
 * A CSV record made into the customer the import sends, checked with the form's rules
 * (convex/lib/customerRules.ts) before anything is written. Pure, so the CSV worker runs it
 * off the page's main thread and the unit tests run it directly.
 */
import { CUSTOMER_STATUSES, type CustomerStatusValue } from "../../../../convex/lib/customerFields";
import { type CustomerInput, validateCustomer } from "../../../../convex/lib/customerRules";
import { type ColumnMapping, FIELD_LABELS, type ImportField } from "./columns";

/** A checked row as convex/imports.ts takes it; `row` is its record number, the header being 1. */
export interface ImportRow {
  row: number;
  name: string;
  email: string;
  company?: string;
  phone?: string;
  /** Only when the file gives one: an update keeps the customer's status otherwise. */
  status?: CustomerStatusValue;
  notes?: string;
}

export interface RejectedRow {
  row: number;
  /** The record as the file has it, to download, fix and import again. */
  cells: string[];
  reason: string;
}

export type CheckedRow = { ok: true; row: ImportRow } | { ok: false; rejected: RejectedRow };

/** The form's message for a status it does not know. */
const STATUS_MESSAGE = "Choose lead, active or inactive";

/** A status as people type it ("Active", " LEAD "), or null for one that is none of them. */
export function statusOf(cell: string): CustomerStatusValue | null {
  const status = cell.trim().toLowerCase();
  return (CUSTOMER_STATUSES as readonly string[]).includes(status) ? (status as CustomerStatusValue) : null;
}

function reasonOf(fields: Partial<Record<ImportField, string>>): string {
  return Object.entries(fields)
    .map(([field, message]) => `${FIELD_LABELS[field as ImportField]}: ${message}`)
    .join("; ");
}

export function checkRow(cells: readonly string[], row: number, mapping: ColumnMapping): CheckedRow {
  const given: Partial<Record<ImportField, string>> = {};
  mapping.forEach((field, column) => {
    if (field) given[field] = cells[column] ?? "";
  });
  const statusCell = given.status?.trim() ?? "";
  const status = statusCell === "" ? undefined : statusOf(statusCell);
  const input: CustomerInput = { ...given, name: given.name ?? "", email: given.email ?? "", status: status ?? undefined };
  const result = validateCustomer(input);
  const fields = result.ok ? {} : { ...result.fields };
  if (status === null) fields.status = STATUS_MESSAGE;
  if (!result.ok || status === null) return { ok: false, rejected: { row, cells: [...cells], reason: reasonOf(fields) } };
  const { status: _default, ...value } = result.value;
  return { ok: true, row: { row, ...value, ...(status ? { status } : {}) } };
}

/** Every record checked: the rows to send, and the ones that failed with their reasons. */
export function checkRows(records: readonly string[][], mapping: ColumnMapping): { rows: ImportRow[]; rejected: RejectedRow[] } {
  const rows: ImportRow[] = [];
  const rejected: RejectedRow[] = [];
  records.forEach((cells, index) => {
    // Record numbers as a spreadsheet shows them: the header is row 1.
    const checked = checkRow(cells, index + 2, mapping);
    if (checked.ok) rows.push(checked.row);
    else rejected.push(checked.rejected);
  });
  return { rows, rejected };
}
