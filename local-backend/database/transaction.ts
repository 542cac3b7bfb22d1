/**
 * One function execution's view of the database. Reads go to the live in-memory state (all
 * queries and mutations run one at a time, so that state is a consistent snapshot for the
 * whole execution); writes apply immediately, so the mutation sees them, and are undone on
 * abort. Every read is recorded as a table + index range for subscription invalidation.
 */
import { getDocumentSize, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { PRIVATE_SYSTEM_TABLES, type Database, type DocumentWrite, type Table } from "./database";
import { fingerprintOf, type CursorPosition } from "./cursors";
import { APP_NAMESPACE, qualifiedTableName, splitTableName } from "./namespaces";
import { comparePrefix, keyInRange, type Bound, type KeyRange, type SortedIndex } from "./indexes";
import { compareFieldValues, compareKeys, fieldValue, isPlainObject, validateValue, type Doc, type FieldValue } from "./values";

export class UserError extends Error {
  override name = "UserError";
}

export type ReadEntry =
  | { kind: "range"; table: string; index: string; range: KeyRange }
  | { kind: "search"; table: string; eq: [string, FieldValue][] };

/** Convex's limit on one document. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

interface RangeExpr {
  type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte";
  fieldPath: string;
  value: JSONValue;
}

/** The arguments of `1.0/queryPage` (what `.paginate(opts)` sends). */
export interface PageRequest {
  query: SerializedQuery;
  cursor: string | null;
  endCursor: string | null;
  pageSize: number;
  maximumRowsRead: number | null;
  maximumBytesRead: number | null;
}

/** Convex's per-transaction read limits; a page reading past 3/4 of them should be split. */
const MAX_READ_ROWS = 32_000;
const MAX_READ_BYTES = 16 * 1024 * 1024;
const SOFT_MAX_PAGE_LENGTH = (8192 * 3) / 4;
const soft = (limit: number | null, max: number): number => (Math.min(limit ?? max, max) * 3) / 4;

/** What `1.0/queryPage` answers. */
export interface PageResult {
  page: Doc[];
  isDone: boolean;
  continueCursor: string;
  splitCursor: string | null;
  pageStatus: "SplitRecommended" | "SplitRequired" | null;
}

/** A page request whose cursors were opened and checked against its query. */
interface OpenedPage {
  query: SerializedQuery;
  start: CursorPosition | null;
  /** From `endCursor` or the journal: the cursor as sent, and where it points. */
  end: { cursor: string; position: CursorPosition } | null;
  pageSize: number;
  maximumRowsRead: number | null;
  maximumBytesRead: number | null;
  /** Seals a position of this query into a cursor. */
  seal: (position: CursorPosition) => string;
}

/** A query as `convex/server` serializes it for `1.0/queryStream` and `1.0/queryPage`. */
export interface SerializedQuery {
  source:
    | { type: "FullTableScan"; tableName: string; order?: "asc" | "desc" | null }
    | { type: "IndexRange"; indexName: string; range: RangeExpr[]; order?: "asc" | "desc" | null }
    | {
        type: "Search";
        indexName: string;
        filters: { type: "Search" | "Eq"; fieldPath: string; value: JSONValue }[];
      };
  operators: ({ filter: JSONValue } | { limit: number })[];
}

/** A value as Convex's messages print it (Rust's `Display` of a Convex value). */
function displayValue(value: FieldValue): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "number")
    return Number.isInteger(value)
      ? `${value}.0`
      : Number.isNaN(value)
        ? "NaN"
        : Number.isFinite(value)
          ? String(value)
          : value > 0
            ? "inf"
            : "-inf";
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(displayValue).join(", ")}]`;
  if (value instanceof ArrayBuffer) return `b"${Buffer.from(value).toString("hex")}"`;
  return `{${Object.entries(value as Record<string, FieldValue>)
    .map(([k, v]) => `${k}: ${displayValue(v)}`)
    .join(", ")}}`;
}

function alreadyDefinedBound(kind: string, field: string, comparator: string, value: FieldValue): UserError {
  return new UserError(
    `Already defined ${kind} bound in index range. Can't add ${JSON.stringify(field)} ${comparator} ${displayValue(value)}.`,
  );
}

/** Convex's wording for a query on a staged index (indexing/src/index_registry.rs, `index_staged_error`). */
export function indexStagedError(table: string, index: string): UserError {
  return new UserError(`Index ${table}.${index} is currently staged and not available to query until it is enabled.`);
}

/** Convex's wording for an id of another table than the one named (helpers/mod.rs, `check_table_name`). */
function wrongTable(method: string, requested: string, actual: string): UserError {
  return new UserError(
    `Invalid argument \`id\` for \`${method}\`: expected to be an Id<"${requested}">, got Id<"${actual}"> instead.`,
  );
}

/** A patch or replace that would change a document's `_id` (Convex: common/src/document.rs) or `_creationTime`. */
function systemFieldChanged(field: "_id" | "_creationTime", doc: Doc, given: FieldValue): UserError {
  if (field === "_id")
    return new UserError(`Provided document ID ${displayValue(doc._id)} doesn't match '_id' field ${displayValue(given)}`);
  return new UserError("System field `_creationTime` cannot be modified.");
}

function queryValue(json: JSONValue): FieldValue {
  if (isPlainObject(json) && "$undefined" in json) return undefined;
  return jsonToConvex(json);
}

/** Convex's wording for a cursor it cannot open (convex-backend's keybroker). */
export const CURSOR_PARSE_ERROR = "Failed to parse cursor";
/** Convex's wording for a cursor of another query; the client resets pagination on it. */
export const INVALID_CURSOR_ERROR =
  "InvalidCursor: Tried to run a query starting from a cursor, but it looks like this cursor is from a different query.";

/** The query a cursor is bound to: source (table, index, range, order, or search) and operators. */
function queryFingerprint(query: SerializedQuery): string {
  const s = query.source;
  const order = "order" in s && s.order === "desc" ? "desc" : "asc";
  const source =
    s.type === "Search"
      ? [s.type, s.indexName, s.filters]
      : s.type === "FullTableScan"
        ? [s.type, s.tableName, order]
        : [s.type, s.indexName, s.range, order];
  return fingerprintOf([source, query.operators] as JSONValue);
}

/** Evaluates a serialized `q.filter(...)` expression against a document. */
function evaluate(expr: unknown, doc: Doc): FieldValue {
  if (!isPlainObject(expr)) throw new UserError(`Invalid filter expression: ${JSON.stringify(expr)}`);
  const e = expr as Record<string, unknown>;
  const pair = (k: string): [FieldValue, FieldValue] => {
    const args = e[k] as unknown[];
    return [evaluate(args[0], doc), evaluate(args[1], doc)];
  };
  if ("$field" in e) return fieldValue(doc, e.$field as string);
  if ("$literal" in e) return queryValue(e.$literal as JSONValue);
  if ("$eq" in e) return compareFieldValues(...pair("$eq")) === 0;
  if ("$neq" in e) return compareFieldValues(...pair("$neq")) !== 0;
  if ("$lt" in e) return compareFieldValues(...pair("$lt")) < 0;
  if ("$lte" in e) return compareFieldValues(...pair("$lte")) <= 0;
  if ("$gt" in e) return compareFieldValues(...pair("$gt")) > 0;
  if ("$gte" in e) return compareFieldValues(...pair("$gte")) >= 0;
  if ("$and" in e) return (e.$and as unknown[]).every((x) => evaluate(x, doc) === true);
  if ("$or" in e) return (e.$or as unknown[]).some((x) => evaluate(x, doc) === true);
  if ("$not" in e) return evaluate(e.$not, doc) !== true;
  const arith: Record<string, (a: number, b: number) => number> = {
    $add: (a, b) => a + b,
    $sub: (a, b) => a - b,
    $mul: (a, b) => a * b,
    $div: (a, b) => a / b,
    $mod: (a, b) => a % b,
  };
  for (const [op, f] of Object.entries(arith)) {
    if (op in e) {
      const [a, b] = pair(op);
      if (typeof a === "number" && typeof b === "number") return f(a, b);
      if (typeof a === "bigint" && typeof b === "bigint") {
        const big: Record<string, (x: bigint, y: bigint) => bigint> = {
          $add: (x, y) => x + y,
          $sub: (x, y) => x - y,
          $mul: (x, y) => x * y,
          $div: (x, y) => x / y,
          $mod: (x, y) => x % y,
        };
        return big[op]!(a, b);
      }
      throw new UserError(`Cannot apply ${op.slice(1)} to ${typeof a} and ${typeof b}`);
    }
  }
  if ("$neg" in e) {
    const a = evaluate(e.$neg, doc);
    if (typeof a === "number") return -a;
    if (typeof a === "bigint") return -a;
    throw new UserError(`Cannot negate ${typeof a}`);
  }
  throw new UserError(`Invalid filter expression: ${JSON.stringify(expr)}`);
}

/** A query being read one document at a time (`for await`, `take`, `first`, `collect` …). */
class IndexStream {
  private lastKey: FieldValue[] | null = null;
  private done = false;
  private emitted = 0;
  /** The remaining span [start, end) while the index is unchanged: O(1) steps, no re-search. */
  private span: { version: number; start: number; end: number } | null = null;
  private readonly entry: ReadEntry & { kind: "range" };

  constructor(
    private readonly index: SortedIndex,
    table: string,
    private readonly range: KeyRange,
    private readonly order: "asc" | "desc",
    private readonly filters: unknown[],
    private readonly limit: number | null,
    reads: ReadEntry[],
    startAfter: FieldValue[] | null = null,
  ) {
    this.lastKey = startAfter;
    // Until something is read the recorded range is empty; it grows as the stream advances.
    const start = this.remaining().lower;
    const end = this.remaining().upper;
    this.entry = {
      kind: "range",
      table,
      index: index.name,
      range: order === "asc" ? { lower: start, upper: emptyBound(start) } : { lower: emptyBound(end), upper: end },
    };
    reads.push(this.entry);
  }

  /**
   * The part of the range after the last key read: the range intersected with "after that key",
   * never the key's bound alone, so a start position can never take the stream outside its range.
   */
  private remaining(): KeyRange {
    const last = this.lastKey;
    if (last === null) return this.range;
    const after = { key: last, inclusive: false };
    if (this.order === "asc") {
      const lower = this.range.lower;
      const c = lower ? comparePrefix(last, lower.key) : 1;
      return { lower: lower && (c < 0 || (c === 0 && !lower.inclusive)) ? lower : after, upper: this.range.upper };
    }
    const upper = this.range.upper;
    const c = upper ? comparePrefix(last, upper.key) : -1;
    return { lower: this.range.lower, upper: upper && (c > 0 || (c === 0 && !upper.inclusive)) ? upper : after };
  }

  /** The next raw document in index order (no filters), or null at the end of the range. */
  private advance(): Doc | null {
    if (this.done) return null;
    if (this.span === null || this.span.version !== this.index.version) {
      const [start, end] = this.index.span(this.remaining());
      this.span = { version: this.index.version, start, end };
    }
    const { start, end } = this.span;
    if (start >= end) {
      this.done = true;
      if (this.order === "asc") this.entry.range.upper = this.range.upper;
      else this.entry.range.lower = this.range.lower;
      return null;
    }
    const doc = this.index.docs[this.order === "asc" ? start : end - 1]!;
    if (this.order === "asc") this.span.start++;
    else this.span.end--;
    this.lastKey = this.index.keyOf(doc);
    const observed = { key: this.lastKey, inclusive: true };
    if (this.order === "asc") this.entry.range.upper = observed;
    else this.entry.range.lower = observed;
    return doc;
  }

  /** Set by `paginate`: what it may read before the page must end here (`SplitRequired`). */
  readLimits: { rows: number; bytes: number } | null = null;
  /** Whether the read limits ended the stream early. */
  hitReadLimit = false;
  /** Rows read from the index (filtered out or not), their size, and their keys (split points). */
  readonly read = { rows: 0, bytes: 0, keys: [] as FieldValue[][] };

  next(): Doc | null {
    if (this.limit !== null && this.emitted >= this.limit) return null;
    for (;;) {
      // Checked before a read, so a page always makes progress by at least one row.
      if (this.readLimits && (this.read.rows >= this.readLimits.rows || this.read.bytes >= this.readLimits.bytes)) {
        this.hitReadLimit = true;
        return null;
      }
      const doc = this.advance();
      if (doc === null) return null;
      this.read.rows++;
      this.read.bytes += getDocumentSize(doc);
      this.read.keys.push(this.lastKey!);
      if (this.filters.every((f) => evaluate(f, doc) === true)) {
        this.emitted++;
        return doc;
      }
    }
  }

  /** Key of the last document read (the cursor position). */
  get position(): FieldValue[] | null {
    return this.lastKey;
  }

  /** Whether any document lies after the current position (records the read). */
  exhausted(): boolean {
    if (this.done) return true;
    const saved = this.lastKey;
    const savedSpan = this.span && { ...this.span };
    const doc = this.advance();
    if (doc === null) return true;
    this.lastKey = saved;
    this.span = savedSpan;
    return false;
  }
}

/** A bound that admits nothing on its side: the recorded range before any read. */
function emptyBound(from: Bound | null): Bound {
  return from ? { key: from.key, inclusive: !from.inclusive } : { key: [], inclusive: false };
}

class ListStream {
  private i = 0;
  constructor(private readonly docs: Doc[]) {}
  next(): Doc | null {
    return this.docs[this.i++] ?? null;
  }
}

export interface TransactionOptions {
  writable: boolean;
  /** From a subscription's previous run: where its page ended. */
  journal: string | null;
  /** The namespace it starts in (default: the app's). */
  namespace?: string;
}

/** Convex's refusal of `.paginate()` inside a component (convex-backend async_syscall.rs, `query_page`). */
export const PAGINATION_IN_COMPONENT_ERROR =
  "paginate() is only supported in the app. Learn more at https://docs.convex.dev/components/authoring#pagination";

export class Transaction {
  readonly reads: ReadEntry[] = [];
  readonly writes = new Map<string, DocumentWrite>();
  private readonly undo: { table: string; id: string; previous: Doc | null }[] = [];
  private readonly streams = new Map<number, IndexStream | ListStream>();
  private nextStreamId = 1;
  private paginated = false;
  /** The journal this execution produced (the page end it committed to), if it paginated. */
  journalOut: string | null = null;
  /** Set when the execution was abandoned (timed out): later syscalls fail. */
  closed = false;
  /**
   * The namespace (component) the next operation runs in. A component's function shares its
   * caller's transaction, so whoever runs an operation sets it first (the Runtime does before
   * each syscall); every operation is synchronous, so one never sees another's namespace.
   * Table names given to and reported by operations are the namespace's own.
   */
  namespace: string;

  constructor(
    readonly db: Database,
    readonly options: TransactionOptions,
  ) {
    this.namespace = options.namespace ?? APP_NAMESPACE;
  }

  /** A table of the current namespace, as the database names it. */
  private q(table: string): string {
    // `<component>/<table>` is how the database names another namespace's table: never a function's name for one.
    if (table.includes("/")) throw new UserError(`Invalid table name: "${table}"`);
    return qualifiedTableName(this.namespace, table);
  }

  /** The current namespace's name of the table an id belongs to, or null if it names none of its tables. */
  private tableOfId(id: string): string | null {
    const qualified = this.db.tableNameOfId(id);
    if (qualified === null) return null;
    const { namespace, table } = splitTableName(qualified);
    return namespace === this.namespace ? table : null;
  }

  // ---- reads ----

  private recordPoint(table: string, id: string): void {
    const bound = { key: [id], inclusive: true };
    this.reads.push({ kind: "range", table, index: "by_id", range: { lower: bound, upper: bound } });
  }

  get(id: unknown, table: string | undefined, isSystem: boolean): Doc | null {
    if (typeof id !== "string") throw new UserError(`Invalid argument \`id\` for \`db.get\`: expected a string ID`);
    const tableName = this.visibleTableOfId(id);
    if (tableName === null) {
      if (table !== undefined && this.db.isIdOf(this.q(table), id)) {
        this.recordPoint(this.q(table), id);
        return null;
      }
      // An id of another component's table names no table here: as in Convex, a get on a
      // table that does not exist finds nothing (async_syscall.rs, `get_batch`).
      if (this.db.tableNameOfId(id) !== null) return null;
      throw new UserError(
        table !== undefined
          ? `Invalid argument \`id\` for \`db.get\`: "${id}" is not a valid ID for table "${table}"`
          : `Invalid argument \`id\` for \`db.get\`: Unable to decode ID "${id}"`,
      );
    }
    // Convex's order and wording: convex-backend crates/isolate/src/environment/udf/async_syscall.rs
    // (`system_table_guard`, then `check_table_name` in helpers/mod.rs).
    if (tableName.startsWith("_") !== isSystem) {
      throw new UserError(
        isSystem ? "User tables cannot be accessed with db.system." : "System tables can only be accessed with db.system.",
      );
    }
    if (table !== undefined && tableName !== table) throw wrongTable(isSystem ? "db.system.get" : "db.get", table, tableName);
    this.recordPoint(this.q(tableName), id);
    return this.db.table(this.q(tableName))?.docs.get(id) ?? null;
  }

  normalizeId(table: string, id: string): string | null {
    return !PRIVATE_SYSTEM_TABLES.has(table) && this.db.isIdOf(this.q(table), id) ? id : null;
  }

  /** The table of an id as functions see it: none for one they cannot see (PRIVATE_SYSTEM_TABLES). */
  private visibleTableOfId(id: string): string | null {
    const name = this.tableOfId(id);
    return name !== null && PRIVATE_SYSTEM_TABLES.has(name) ? null : name;
  }

  /** A table of the current namespace as functions see it: none for one they cannot see. */
  private visibleTable(name: string): Table | undefined {
    return PRIVATE_SYSTEM_TABLES.has(name) ? undefined : this.db.table(this.q(name));
  }

  private resolveIndex(
    tableName: string,
    indexName: string,
  ): { table: Table | undefined; index: SortedIndex | null; fields: string[] } {
    const table = this.visibleTable(tableName);
    const builtin: Record<string, string[]> = { by_id: ["_id"], by_creation_time: ["_creationTime", "_id"] };
    const declared = this.db.tableDefinition(this.q(tableName))?.indexes.find((i) => i.indexDescriptor === indexName);
    const fields = builtin[indexName] ?? (declared ? [...declared.fields, "_creationTime", "_id"] : null);
    if (!fields) {
      if (this.db.isStagedIndex(this.q(tableName), indexName)) throw indexStagedError(tableName, indexName);
      throw new UserError(`Index ${tableName}.${indexName} not found.`);
    }
    return { table, index: table?.indexes.get(indexName) ?? null, fields };
  }

  /**
   * The key range of a `withIndex` range, as Convex compiles it (convex-backend
   * crates/common/src/query.rs, `IndexRange::split` and `compile`; wording from there too):
   * equalities in any order, then at most one field with lower and/or upper bounds, together a
   * prefix of the index's fields.
   */
  private rangeOf(exprs: RangeExpr[], fields: string[], tableName: string, indexName: string): KeyRange {
    const name = `${tableName}.${indexName}`;
    const equalities = new Map<string, FieldValue>();
    let inequality: string | null = null;
    let lower: { value: FieldValue; inclusive: boolean } | null = null;
    let upper: { value: FieldValue; inclusive: boolean } | null = null;
    for (const expr of exprs) {
      const value = queryValue(expr.value);
      const field = expr.fieldPath;
      if (expr.type === "Eq") {
        if (equalities.has(field)) throw alreadyDefinedBound("equality", field, "==", equalities.get(field));
        equalities.set(field, value);
        continue;
      }
      const isLess = expr.type === "Lt" || expr.type === "Lte";
      const inclusive = expr.type === "Gte" || expr.type === "Lte";
      if (isLess ? upper : lower) {
        throw alreadyDefinedBound(
          isLess ? "upper" : "lower",
          field,
          isLess ? (inclusive ? "<=" : "<") : inclusive ? ">=" : ">",
          value,
        );
      }
      if (inequality !== null && inequality !== field) {
        throw new UserError(
          `Upper and lower bounds in \`range\` can only be applied to a single index field. This query against index ${name} attempted to set a range bound on both ${JSON.stringify(inequality)} and ${JSON.stringify(field)}. Consider using \`filter\` instead. See https://docs.convex.dev/using/indexes for more info.`,
        );
      }
      inequality = field;
      if (isLess) upper = { value, inclusive };
      else lower = { value, inclusive };
    }
    if (inequality !== null && equalities.has(inequality))
      throw alreadyDefinedBound("inequality", inequality, "==", equalities.get(inequality));
    // The index's fields as Convex lists them: declared ones and _creationTime, without _id.
    const indexed = `[${fields
      .slice(0, -1)
      .map((f) => JSON.stringify(f))
      .join(", ")}]`;
    const rank = new Map(fields.map((f, i) => [f, i]));
    for (const field of [...[...equalities.keys()].sort(), ...(inequality !== null ? [inequality] : [])]) {
      if (!rank.has(field)) {
        throw new UserError(
          `The index range included a comparison with ${JSON.stringify(field)}, but ${name} with fields ${indexed} doesn't index this field. For more information see https://docs.convex.dev/using/indexes.`,
        );
      }
    }
    const used = [...equalities.keys()].sort((a, b) => rank.get(a)! - rank.get(b)!);
    if (inequality !== null) used.push(inequality);
    used.forEach((field, i) => {
      if (fields[i] !== field) {
        throw new UserError(
          `Tried to query index ${name} but the query didn't use the index fields in order.\nIndex fields: ${indexed}\nQuery fields: [${used.map((f) => JSON.stringify(f)).join(", ")}]\nFirst incorrect field: ${JSON.stringify(field)}\nFor more information see https://docs.convex.dev/using/indexes.`,
        );
      }
    });
    const prefix = used.slice(0, equalities.size).map((f) => equalities.get(f));
    const eqBound: Bound | null = prefix.length ? { key: prefix, inclusive: true } : null;
    return {
      lower: lower ? { key: [...prefix, lower.value], inclusive: lower.inclusive } : eqBound,
      upper: upper ? { key: [...prefix, upper.value], inclusive: upper.inclusive } : eqBound,
    };
  }

  private openStream(query: SerializedQuery, startAfter: FieldValue[] | null): IndexStream | ListStream {
    const filters = query.operators.flatMap((op) => ("filter" in op ? [op.filter] : []));
    const limitOp = query.operators.find((op): op is { limit: number } => "limit" in op);
    const limit = limitOp ? limitOp.limit : null;
    const source = query.source;
    if (source.type === "Search") return this.searchStream(source, filters, limit);
    let tableName: string;
    let indexName: string;
    let exprs: RangeExpr[] = [];
    if (source.type === "FullTableScan") {
      tableName = source.tableName;
      indexName = "by_creation_time";
    } else {
      const dot = source.indexName.indexOf(".");
      tableName = source.indexName.slice(0, dot);
      indexName = source.indexName.slice(dot + 1);
      exprs = source.range;
    }
    const { table, index, fields } = this.resolveIndex(tableName, indexName);
    const range = this.rangeOf(exprs, fields, tableName, indexName);
    const order = source.order === "desc" ? "desc" : "asc";
    if (!table || !index) {
      // The table has no documents yet: record the read so the first insert re-runs the query.
      this.reads.push({ kind: "range", table: this.q(tableName), index: indexName, range });
      return new ListStream([]);
    }
    return new IndexStream(index, this.q(tableName), range, order, filters, limit, this.reads, startAfter);
  }

  private searchStream(
    source: Extract<SerializedQuery["source"], { type: "Search" }>,
    filters: unknown[],
    limit: number | null,
  ): ListStream {
    const dot = source.indexName.indexOf(".");
    const tableName = source.indexName.slice(0, dot);
    const indexName = source.indexName.slice(dot + 1);
    const def = this.db.tableDefinition(this.q(tableName))?.searchIndexes.find((s) => s.indexDescriptor === indexName);
    if (!def && this.db.isStagedIndex(this.q(tableName), indexName)) throw indexStagedError(tableName, indexName);
    if (!def) throw new UserError(`Search index ${tableName}.${indexName} not found.`);
    const search = source.filters.find((f) => f.type === "Search");
    const eq = source.filters.filter((f) => f.type === "Eq").map((f): [string, FieldValue] => [f.fieldPath, queryValue(f.value)]);
    for (const [field] of eq) {
      if (!def.filterFields.includes(field)) {
        throw new UserError(`Field "${field}" is not a filter field of search index ${tableName}.${indexName}.`);
      }
    }
    this.reads.push({ kind: "search", table: this.q(tableName), eq });
    const table = this.db.table(this.q(tableName));
    const index = table?.searchIndexes.get(indexName);
    if (!table || !index || !search || typeof search.value !== "string") return new ListStream([]);
    const hits = index.search(
      search.value,
      (id) => table.docs.get(id),
      (doc) =>
        eq.every(([f, v]) => compareFieldValues(fieldValue(doc, f), v) === 0) && filters.every((f) => evaluate(f, doc) === true),
      Math.min(limit ?? 1024, 1024),
    );
    return new ListStream(hits.map((h) => h.doc));
  }

  queryStream(query: SerializedQuery): number {
    const id = this.nextStreamId++;
    this.streams.set(id, this.openStream(query, null));
    return id;
  }

  queryNext(queryId: number): Doc | null {
    const stream = this.streams.get(queryId);
    if (!stream) throw new UserError(`Query ${queryId} is closed`);
    return stream.next();
  }

  queryCleanup(queryId: number): void {
    this.streams.delete(queryId);
  }

  /** Opens a cursor of this query, or fails as Convex does: never restarts silently. */
  private openCursor(cursor: string, fingerprint: string): CursorPosition {
    const decoded = this.db.cursors.decode(cursor, fingerprint);
    if (decoded.ok) return decoded.position;
    if (decoded.reason === "unreadable") throw new UserError(CURSOR_PARSE_ERROR);
    // Convex attaches this data to the error it throws into the function.
    throw Object.assign(new UserError(INVALID_CURSOR_ERROR), {
      data: { isConvexSystemError: true, paginationError: "InvalidCursor" },
    });
  }

  queryPage(args: PageRequest): PageResult {
    if (this.namespace !== APP_NAMESPACE) throw new UserError(PAGINATION_IN_COMPONENT_ERROR);
    if (this.paginated) {
      throw new UserError(
        "This query or mutation function ran multiple paginated queries. Convex only supports a single paginated query in each function.",
      );
    }
    this.paginated = true;
    if ([args.maximumRowsRead, args.maximumBytesRead].some((limit) => limit !== null && !(limit > 0))) {
      throw new UserError("maximumRowsRead and maximumBytesRead must be greater than 0");
    }
    const fingerprint = queryFingerprint(args.query);
    const start = args.cursor === null ? null : this.openCursor(args.cursor, fingerprint);
    // A subscription's journal holds where its page ended on the first run, so re-runs keep
    // pages gapless as rows come and go; it is a cursor like any other, bound to this query.
    const endCursor = args.endCursor ?? this.options.journal;
    const end = endCursor === null ? null : { cursor: endCursor, position: this.openCursor(endCursor, fingerprint) };
    const search = args.query.source.type === "Search";
    for (const p of [start, end?.position]) {
      // Only this code seals cursors, so a position of the other kind would be a bug, not input.
      if (p && p.kind !== "end" && p.kind !== (search ? "rank" : "after"))
        throw new Error(`A ${p.kind} cursor for a ${search ? "search" : "index"} query`);
    }
    const page: OpenedPage = {
      query: args.query,
      start,
      end,
      pageSize: args.pageSize,
      maximumRowsRead: args.maximumRowsRead,
      maximumBytesRead: args.maximumBytesRead,
      seal: (position) => this.db.cursors.encode(fingerprint, position),
    };
    const result = search ? this.searchPage(page) : this.indexPage(page);
    this.journalOut = args.endCursor === null ? result.continueCursor : null;
    return result;
  }

  private indexPage({ query, start, end, pageSize, maximumRowsRead, maximumBytesRead, seal }: OpenedPage): PageResult {
    const page: Doc[] = [];
    // A page that starts at the end is empty; one with an end cursor ends exactly there.
    const stream = start?.kind === "end" ? null : this.openStream(query, start?.kind === "after" ? start.key : null);
    const index = stream instanceof IndexStream ? stream : null;
    let position: CursorPosition = { kind: "end" };
    if (end !== null) {
      const endKey = end.position.kind === "after" ? end.position.key : null;
      const sign = query.source.type !== "Search" && query.source.order === "desc" ? -1 : 1;
      const pastEnd = (key: FieldValue[] | null) => endKey !== null && key !== null && compareKeys(key, endKey) * sign > 0;
      while (stream !== null) {
        const before = index?.position ?? null;
        if (endKey !== null && before !== null && compareKeys(before, endKey) * sign >= 0) break;
        const d = stream.next();
        if (!d || pastEnd(index?.position ?? null)) break;
        page.push(d);
      }
    } else {
      // As in Convex, the read limits apply only to a page that has no fixed end.
      if (index) index.readLimits = { rows: maximumRowsRead ?? Infinity, bytes: maximumBytesRead ?? Infinity };
      while (stream !== null && page.length < pageSize) {
        const d = stream.next();
        if (!d) break;
        page.push(d);
      }
      if (index?.hitReadLimit || (index && page.length === pageSize && !index.exhausted())) {
        position = { kind: "after", key: index.position! };
      }
    }
    const read = index?.read ?? { rows: 0, bytes: 0, keys: [] };
    const pageStatus = index?.hitReadLimit
      ? "SplitRequired"
      : read.rows > soft(maximumRowsRead, MAX_READ_ROWS) ||
          read.bytes > soft(maximumBytesRead, MAX_READ_BYTES) ||
          page.length > SOFT_MAX_PAGE_LENGTH
        ? "SplitRecommended"
        : null;
    // The middle of what the page read: where the client splits it in two.
    const splitKey = read.keys.length > 2 ? read.keys[Math.floor(read.keys.length / 2)]! : null;
    return {
      page,
      isDone: (end?.position ?? position).kind === "end",
      continueCursor: end?.cursor ?? seal(position),
      splitCursor: splitKey && seal({ kind: "after", key: splitKey }),
      pageStatus,
    };
  }

  /**
   * A page of search results. They are ranked, not index-ordered, so a position is an offset in
   * the ranking (recomputed per call): pages stay consistent while the results do not change.
   */
  private searchPage({ query, start, end, pageSize, seal }: OpenedPage): PageResult {
    const stream = this.openStream(query, null);
    const results: Doc[] = [];
    for (let d = stream.next(); d; d = stream.next()) results.push(d);
    const offset = (p: CursorPosition): number => (p.kind === "rank" ? Math.min(p.offset, results.length) : results.length);
    const from = start === null ? 0 : offset(start);
    if (end !== null) {
      return {
        page: results.slice(from, Math.max(from, offset(end.position))),
        isDone: end.position.kind === "end",
        continueCursor: end.cursor,
        splitCursor: null,
        pageStatus: null,
      };
    }
    // As in Convex, a page ends at the end only when the results ran out before it was full: a
    // page that holds exactly the last results says isDone: false, and the next one is empty.
    const to = Math.min(results.length, from + pageSize);
    const position: CursorPosition = from + pageSize > results.length ? { kind: "end" } : { kind: "rank", offset: to };
    return {
      page: results.slice(from, to),
      isDone: position.kind === "end",
      continueCursor: seal(position),
      splitCursor: null,
      pageStatus: null,
    };
  }

  count(table: string): number {
    this.reads.push({ kind: "range", table: this.q(table), index: "by_creation_time", range: { lower: null, upper: null } });
    return this.visibleTable(table)?.docs.size ?? 0;
  }

  // ---- writes ----

  private requireWritable(): void {
    if (!this.options.writable) throw new UserError("Cannot write to the database in a query. Use a mutation.");
  }

  /** Writes a document of a table named by its qualified name. */
  private write(table: string, id: string, doc: Doc | null): void {
    const current = this.db.table(table)?.docs.get(id) ?? null;
    this.undo.push({ table, id, previous: current });
    const existing = this.writes.get(id);
    this.writes.set(id, { table, id, before: existing ? existing.before : current, after: doc });
    this.db.applyInMemory(table, id, doc);
  }

  private validateDocument(table: string, value: Record<string, Value>): void {
    const size = getDocumentSize(value);
    if (size > MAX_DOCUMENT_BYTES) {
      throw new UserError(
        `Document is too large for table "${table}": ${size} bytes, maximum ${MAX_DOCUMENT_BYTES} bytes (1 MiB).`,
      );
    }
    for (const key of Object.keys(value)) {
      if (key.startsWith("$")) throw new UserError(`Field name ${key} starts with a '$', which is reserved.`);
      if (key.startsWith("_") && key !== "_id" && key !== "_creationTime") {
        throw new UserError(`Field name ${key} starts with '_', which is reserved for system fields.`);
      }
    }
    const documentType = this.db.tableDefinition(this.q(table))?.documentType;
    if (!documentType || !this.db.schemaOf(this.namespace)?.schemaValidation) return;
    const { _id: _ignoredId, _creationTime: _ignoredTime, ...fields } = value;
    const error = validateValue(documentType, fields, (t, id) => this.db.isIdOf(this.q(t), id));
    if (error) {
      throw new UserError(
        `Failed to insert or update a document in table "${table}" because it does not match the schema: ${error}`,
      );
    }
  }

  private userTable(table: string, op: string): void {
    if (table.startsWith("_"))
      throw new UserError(`System tables (prefixed with \`_\`) are read-only. Cannot ${op} into "${table}".`);
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(table)) throw new UserError(`Invalid table name: "${table}"`);
    const schema = this.db.schemaOf(this.namespace);
    if (schema && !this.db.tableDefinition(this.q(table)) && schema.schemaValidation) {
      throw new UserError(`Table "${table}" is not defined in the schema.`);
    }
  }

  insert(table: string, value: Record<string, Value>, system = false): string {
    this.requireWritable();
    if (!system) this.userTable(table, "insert");
    if ("_id" in value || "_creationTime" in value) {
      throw new UserError("System fields `_id` and `_creationTime` cannot be set on insert.");
    }
    if (!system) this.validateDocument(table, value);
    const id = this.db.newId(this.q(table));
    this.write(this.q(table), id, { ...value, _id: id, _creationTime: this.db.nextCreationTime() });
    return id;
  }

  private existing(id: unknown, table: string | undefined, op: string): { table: string; doc: Doc } {
    if (typeof id !== "string") throw new UserError(`Invalid argument \`id\` for \`db.${op}\`: expected a string ID`);
    const tableName = this.tableOfId(id);
    if (tableName === null) {
      throw new UserError(
        `Invalid argument \`id\` for \`db.${op}\`: "${id}" is not a valid ID${table ? ` for table "${table}"` : ""}`,
      );
    }
    if (table !== undefined && tableName !== table) throw wrongTable(`db.${op}`, table, tableName);
    const doc = this.db.table(this.q(tableName))?.docs.get(id);
    if (!doc) {
      const verb = op === "delete" ? "Delete" : "Update";
      throw new UserError(`${verb} on nonexistent document ID ${id}`);
    }
    this.recordPoint(this.q(tableName), id);
    return { table: tableName, doc };
  }

  patch(id: unknown, table: string | undefined, value: Record<string, unknown>, system = false): void {
    this.requireWritable();
    const { table: tableName, doc } = this.existing(id, table, "patch");
    if (!system && tableName.startsWith("_")) throw new UserError("System tables (prefixed with `_`) are read-only.");
    const next: Doc = { ...doc };
    for (const [k, v] of Object.entries(value)) {
      if (k === "_id" || k === "_creationTime") {
        const given = system ? (v as FieldValue) : queryValue(v as JSONValue);
        if (given !== undefined && compareFieldValues(given, doc[k]) !== 0) throw systemFieldChanged(k, doc, given);
        continue;
      }
      const fv = system ? (v as FieldValue) : queryValue(v as JSONValue);
      if (fv === undefined) delete next[k];
      else next[k] = fv;
    }
    if (!system) this.validateDocument(tableName, next);
    this.write(this.q(tableName), doc._id as string, next);
  }

  replace(id: unknown, table: string | undefined, value: Record<string, Value>): void {
    this.requireWritable();
    const { table: tableName, doc } = this.existing(id, table, "replace");
    if (tableName.startsWith("_")) throw new UserError("System tables (prefixed with `_`) are read-only.");
    for (const k of ["_id", "_creationTime"] as const) {
      if (k in value && compareFieldValues(value[k], doc[k]) !== 0) throw systemFieldChanged(k, doc, value[k]);
    }
    const next: Doc = { ...value, _id: doc._id!, _creationTime: doc._creationTime! };
    this.validateDocument(tableName, next);
    this.write(this.q(tableName), doc._id as string, next);
  }

  delete(id: unknown, table: string | undefined): void {
    this.requireWritable();
    const { table: tableName, doc } = this.existing(id, table, "delete");
    if (tableName.startsWith("_")) throw new UserError("System tables (prefixed with `_`) are read-only.");
    this.write(this.q(tableName), doc._id as string, null);
  }

  /** Writes by the backend itself (scheduler bookkeeping), bypassing user-facing checks. */
  systemPatch(id: string, table: string, fields: Record<string, Value>): void {
    this.patch(id, table, fields, true);
  }

  /** Every document of a table, functions' private ones included, for the backend's own queries (read as a whole). */
  systemScan(table: string): Doc[] {
    this.reads.push({ kind: "range", table: this.q(table), index: "by_creation_time", range: { lower: null, upper: null } });
    return [...(this.db.table(this.q(table))?.indexes.get("by_creation_time")?.docs ?? [])];
  }

  /** Deletes by the backend itself (a stored file's `_storage` document), bypassing user-facing checks. */
  systemDelete(id: string, table: string): void {
    this.requireWritable();
    this.write(this.q(table), this.existing(id, table, "delete").doc._id as string, null);
  }

  savepoint(): number {
    return this.undo.length;
  }

  rollbackTo(savepoint: number): void {
    while (this.undo.length > savepoint) {
      const { table, id, previous } = this.undo.pop()!;
      this.db.applyInMemory(table, id, previous);
      const w = this.writes.get(id);
      if (w) {
        const stillWritten = this.undo.some((u) => u.id === id);
        if (!stillWritten) this.writes.delete(id);
        else w.after = previous;
      }
    }
  }

  abort(): void {
    this.rollbackTo(0);
  }

  /** The writes that changed something, for persistence and invalidation. */
  effectiveWrites(): DocumentWrite[] {
    return [...this.writes.values()].filter((w) => w.before !== w.after);
  }
}

/** Whether a committed write changes what a recorded read observed. */
export function writeAffects(
  read: ReadEntry,
  write: DocumentWrite,
  keyOf: (table: string, index: string, doc: Doc) => FieldValue[] | null,
): boolean {
  if (read.table !== write.table) return false;
  const docs = [write.before, write.after].filter((d): d is Doc => d !== null);
  if (read.kind === "search") {
    return docs.some((d) => read.eq.every(([f, v]) => compareFieldValues(fieldValue(d, f), v) === 0));
  }
  for (const doc of docs) {
    const key = keyOf(read.table, read.index, doc);
    if (key === null) return true;
    if (keyInRange(key, read.range)) return true;
  }
  return false;
}
