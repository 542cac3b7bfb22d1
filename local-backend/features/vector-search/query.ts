/**
 * The query of `ctx.vectorSearch`, as the `1.0/actions/vectorSearch` syscall carries it
 * (convex/src/server/impl/vector_search_impl.ts): `{ indexName: "table.index", limit?, vector,
 * expressions }`, the filter being `q.eq`s and `q.or`s. Checked as Convex checks it, with its
 * wording (convex-backend crates/vector/src/query.rs, lib.rs, qdrant_index.rs `compile`).
 */
import { jsonToConvex, type JSONValue } from "convex/values";
import { isValidIdentifier } from "../../database/schema-names";
import { UserError } from "../../database/transaction";
import { compareFieldValues, isPlainObject, type FieldValue } from "../../database/values";
import type { FieldCondition } from "./vector-index";

/** Convex's limits on a vector query (crates/vector/src/lib.rs; dimensions.rs). */
export const DEFAULT_VECTOR_LIMIT = 10;
export const MAX_VECTOR_RESULTS = 256;
const MAX_FILTER_LENGTH = 64;
const MAX_VECTOR_DIMENSIONS = 4096;

export interface VectorQuery {
  table: string;
  index: string;
  vector: number[];
  limit: number;
  /** Per filtered field, the values it may equal (a document matching any field is kept). */
  filter: Map<string, FieldValue[]>;
}

function filterShapeError(): UserError {
  return new UserError("Filters should be a combination of `q.eq` and `q.or`.");
}

/** Adds the field equalities of a `q.eq`/`q.or` expression to `into` (query.rs, `assemble_filter_map`). */
function collectFilter(expression: unknown, into: Map<string, FieldValue[]>): void {
  if (!isPlainObject(expression)) throw filterShapeError();
  const keys = Object.keys(expression);
  if (keys.length !== 1) throw filterShapeError();
  const args = expression[keys[0]!];
  if (keys[0] === "$or" && Array.isArray(args)) {
    for (const e of args) collectFilter(e, into);
  } else if (keys[0] === "$eq" && Array.isArray(args) && args.length === 2) {
    const [left, right] = args as unknown[];
    const field = isPlainObject(left) && Object.keys(left).length === 1 ? left.$field : undefined;
    const literal = isPlainObject(right) && Object.keys(right).length === 1 && "$literal" in right ? right.$literal : undefined;
    if (typeof field !== "string" || literal === undefined) {
      throw new UserError("`q.eq` must take a field path as its first argument and a value as its second");
    }
    const value: FieldValue =
      isPlainObject(literal) && "$undefined" in literal ? undefined : jsonToConvex(literal as unknown as JSONValue);
    const values = into.get(field) ?? [];
    if (!values.some((v) => compareFieldValues(v, value) === 0)) values.push(value);
    into.set(field, values);
  } else {
    throw filterShapeError();
  }
}

/**
 * `table.index`, each an identifier, as Convex parses an index name (types/index.rs; its wording
 * says "table name" for either part). A table of another component's namespace
 * (`component/table`) is no identifier, so it cannot be named.
 */
function parseIndexName(name: string): [string, string] {
  const parts = name.split(".");
  const identifier = (part: string) => {
    if (isValidIdentifier(part)) return part;
    throw new UserError(
      `Invalid table name: "${part}". Identifiers must start with a letter and can only contain letters, digits, and underscores.`,
    );
  };
  const table = identifier(parts[0]!);
  if (parts.length < 2) throw new UserError(`Insufficient components in index name ${name}`);
  const index = identifier(parts[1]!);
  if (parts.length > 2) throw new UserError(`Too many components in index name ${name}`);
  return [table, index];
}

/** Reads the syscall's query, refusing what Convex cannot parse. */
export function parseVectorQuery(args: Record<string, unknown>): VectorQuery {
  const query = args.query;
  if (!isPlainObject(query)) throw new UserError("vectorSearch: missing query");
  const { indexName, limit, vector, expressions } = query as Record<string, unknown>;
  if (typeof indexName !== "string") throw new UserError("vectorSearch: missing index name");
  const [table, index] = parseIndexName(indexName);
  if (!Array.isArray(vector) || !vector.every((x) => typeof x === "number")) {
    throw new UserError("`vector` must be an array of numbers in vectorSearch");
  }
  if (
    limit !== undefined &&
    limit !== null &&
    !(Number.isInteger(limit) && (limit as number) >= 0 && (limit as number) < 2 ** 32)
  ) {
    throw new UserError(`\`limit\` must be a non-negative integer in vectorSearch, got ${JSON.stringify(limit)}`);
  }
  const filter = new Map<string, FieldValue[]>();
  if (expressions !== undefined && expressions !== null) collectFilter(expressions, filter);
  return {
    table,
    index,
    vector: vector,
    limit: typeof limit === "number" ? limit : DEFAULT_VECTOR_LIMIT,
    filter,
  };
}

function dimensionsMismatch(expected: number, received: number): UserError {
  return new UserError(`Expected a vector with dimensions ${expected}, received ${received}.`);
}

/**
 * Checks the query against its index, in Convex's order (`QdrantSchema::compile`), and returns
 * its filter as conditions on the index's filter fields.
 */
export function compileVectorQuery(
  query: VectorQuery,
  index: { dimensions: number; filterFields: readonly string[] },
): FieldCondition[] {
  const name = `${query.table}.${query.index}`;
  if (query.vector.length > MAX_VECTOR_DIMENSIONS) throw dimensionsMismatch(MAX_VECTOR_DIMENSIONS, query.vector.length);
  if (query.limit > MAX_VECTOR_RESULTS) {
    throw new UserError(`Vector queries can fetch at most ${MAX_VECTOR_RESULTS} results, requested ${query.limit}.`);
  }
  const conditions: FieldCondition[] = [];
  let length = 0;
  // Convex compiles the fields in their sorted order, so the first one it names is the least.
  for (const field of [...query.filter.keys()].sort()) {
    const position = index.filterFields.indexOf(field);
    if (position < 0) {
      throw new UserError(
        `Vector query against ${name} contains a filter on "${field}" but that field isn't indexed for filtering in \`filterFields\`.`,
      );
    }
    const values = query.filter.get(field)!;
    conditions.push({ field: position, values });
    length += values.length;
  }
  if (length > MAX_FILTER_LENGTH) {
    throw new UserError(`Vector query against ${name} has too many conditions. Max: ${MAX_FILTER_LENGTH} Actual: ${length}`);
  }
  if (query.vector.length !== index.dimensions) throw dimensionsMismatch(index.dimensions, query.vector.length);
  return conditions;
}
