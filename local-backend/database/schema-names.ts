/**
 * The names Convex refuses in a schema when it is pushed: table, field and index names and index
 * fields. Rules and wording from convex-backend (read, not copied): crates/convex/sync_types/src/
 * identifier.rs (identifiers, field names), crates/common/src/bootstrap_model/index/
 * index_validation_error.rs (the coded messages), crates/common/src/schemas/json.rs (which check
 * applies where), indexed_fields.rs and application/src/lib.rs (index fields).
 */
import type { SchemaJson, SchemaTable, VectorIndexDefinition } from "./database";
import type { ValidatorJson } from "./values";

const MAX_IDENTIFIER_LEN = 64;
const MAX_FIELD_NAME_LENGTH = 1024;
const MAX_INDEXES_PER_TABLE = 64;
const MAX_INDEX_FIELDS = 16;
/** Vector indexes (crates/common/src/bootstrap_model/index/vector_index/dimensions.rs, index/mod.rs). */
const MIN_VECTOR_DIMENSIONS = 2;
const MAX_VECTOR_DIMENSIONS = 4096;
const MAX_VECTOR_FILTER_FIELDS = 16;

/** A schema Convex would refuse; the message is Convex's, prefixed with its error code where it has one. */
export class SchemaDefinitionError extends Error {
  override name = "SchemaDefinitionError";
  constructor(
    readonly code: string | null,
    /** The message without its code. */
    readonly detail: string,
  ) {
    super(code ? `${code}: ${detail}` : detail);
  }
}

/** A character as Rust's `{:?}` prints it, as Convex's messages show it. */
function debugChar(c: string): string {
  const escapes: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "'": "\\'", "\\": "\\\\" };
  if (escapes[c]) return `'${escapes[c]}'`;
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `'\\u{${code.toString(16)}}'`;
  return `'${c}'`;
}

/** Convex's identifiers (table and index names): letters, digits and underscores, not only underscores, at most 64. */
export function isValidIdentifier(s: string): boolean {
  return s.length <= MAX_IDENTIFIER_LEN && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && /[A-Za-z0-9]/.test(s);
}

/** Why `s` is not an identifier (the first reason Convex finds), or null. */
function identifierProblem(s: string): string | null {
  if (isValidIdentifier(s)) return null;
  const chars = [...s];
  const first = chars[0];
  if (first === undefined) return "Identifier cannot be empty";
  if (!/^[A-Za-z_]$/.test(first)) {
    return `Invalid first character ${debugChar(first)} in ${s}: Identifiers must start with an alphabetic character or underscore`;
  }
  for (const c of chars.slice(1)) {
    if (!/^[A-Za-z0-9_]$/.test(c)) {
      return `Identifier ${s} has invalid character ${debugChar(c)}: Identifiers can only contain alphanumeric characters or underscores`;
    }
  }
  if (Buffer.byteLength(s) > MAX_IDENTIFIER_LEN)
    return `Identifier is too long (${Buffer.byteLength(s)} > maximum ${MAX_IDENTIFIER_LEN})`;
  return `Identifier ${s} cannot have exclusively underscores`;
}

/** Why `s` cannot name a field in a schema (a field name that is also an identifier), or null. */
function fieldNameProblem(s: string): string | null {
  if (s.startsWith("$")) return `Field name ${s} starts with '$', which is reserved.`;
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (code > 0x7f || code < 0x20 || code === 0x7f) {
      return `Field name ${s} has invalid character ${debugChar(c)}: Field names can only contain non-control ASCII characters`;
    }
  }
  if (s.length > MAX_FIELD_NAME_LENGTH) return `Field name ${s} is too long`;
  return identifierProblem(s);
}

/** Field names of every object validator in a document type (nested ones too). */
function checkFieldNames(validator: ValidatorJson): void {
  const v = validator as { type: string; value?: unknown; keys?: ValidatorJson; values?: { fieldType: ValidatorJson } };
  if (v.type === "object" && v.value && typeof v.value === "object") {
    for (const [key, field] of Object.entries(v.value as Record<string, { fieldType: ValidatorJson }>)) {
      const problem = fieldNameProblem(key);
      if (problem) throw new SchemaDefinitionError(null, problem);
      try {
        checkFieldNames(field.fieldType);
      } catch (error) {
        // Convex names the enclosing key of a nested problem.
        if (error instanceof SchemaDefinitionError)
          throw new SchemaDefinitionError(null, `Invalid validator for key \`${key}\`: ${error.message}`);
        throw error;
      }
    }
  } else if (v.type === "union" && Array.isArray(v.value)) {
    for (const member of v.value as ValidatorJson[]) checkFieldNames(member);
  } else if (v.type === "array" && v.value) {
    checkFieldNames(v.value as ValidatorJson);
  } else if (v.type === "record" && v.values) {
    checkFieldNames(v.values.fieldType);
  }
}

function isReservedIndexName(name: string): boolean {
  return name === "by_id" || name === "by_creation_time" || name.startsWith("_");
}

function checkIndexName(name: string): void {
  if (!isValidIdentifier(name)) {
    throw new SchemaDefinitionError(
      "InvalidIndexName",
      `Invalid index name: "${name}". Identifiers must be 64 characters or less, start with a letter, and only contain letters, digits, underscores.`,
    );
  }
}

/** A field path as Convex parses one (`FieldPath::from_str`): field names joined by dots, outer dots ignored. */
function fieldPathParts(field: string): string[] | null {
  const parts = field.replace(/^\.+|\.+$/g, "").split(".");
  return parts.join("") === "" || parts.some((p) => fieldNameProblem(p) !== null) ? null : parts;
}

function checkIndexField(index: string, field: string): void {
  if (fieldPathParts(field) === null) {
    throw new SchemaDefinitionError("InvalidIndexField", `In index "${index}": Invalid index field: "${field}"`);
  }
}

/** The checks Convex makes while parsing an index's fields. */
function checkIndexFields(index: string, fields: string[]): void {
  for (const field of fields) checkIndexField(index, field);
  if (fields.length > MAX_INDEX_FIELDS) {
    throw new SchemaDefinitionError(
      "IndexTooManyFields",
      `In index "${index}": Indexes may have up to ${MAX_INDEX_FIELDS} fields.`,
    );
  }
  if (fields.includes("_id")) {
    throw new SchemaDefinitionError(
      "IndexFieldsContainId",
      `In index "${index}": \`_id\` is not a valid index field. To load documents by ID, use \`db.get(id)\`.`,
    );
  }
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field)) {
      throw new SchemaDefinitionError(
        "FieldsNotUniqueWithinIndex",
        `In index "${index}": Duplicate field "${field}". Index fields must be unique within an index.`,
      );
    }
    seen.add(field);
  }
}

/** Checks Convex makes on user-defined index fields after parsing the schema. */
function checkUserIndexFields(fields: string[]): void {
  if (fields.includes("_creationTime")) {
    throw new SchemaDefinitionError(
      "IndexFieldsContainCreationTime",
      "`_creationTime` is automatically added to the end of each index. It should not be added explicitly in the index definition. See https://docs.convex.dev/using/indexes for more details.",
    );
  }
  if (fields.some((f) => f.split(".").some((part) => part.startsWith("_")))) {
    throw new SchemaDefinitionError("IndexFieldNameReserved", "Reserved fields (starting with `_`) are not allowed in indexes.");
  }
}

/**
 * The checks Convex makes while parsing a vector index (json.rs, `VectorIndexSchema::new`); its
 * messages are prefixed with the table, as `parse_names_and_indexes` wraps them.
 */
function checkVectorIndex(table: string, index: VectorIndexDefinition): void {
  try {
    checkIndexName(index.indexDescriptor);
    for (const field of [index.vectorField, ...index.filterFields]) checkIndexField(index.indexDescriptor, field);
    const { dimensions } = index;
    if (!Number.isInteger(dimensions) || dimensions < MIN_VECTOR_DIMENSIONS || dimensions > MAX_VECTOR_DIMENSIONS) {
      throw new SchemaDefinitionError(
        "InvalidVectorDimensionError",
        `Dimensions ${dimensions} must be between ${MIN_VECTOR_DIMENSIONS} and ${MAX_VECTOR_DIMENSIONS}.`,
      );
    }
    if (new Set(index.filterFields).size > MAX_VECTOR_FILTER_FIELDS) {
      // Convex's wording says "Search indexes" for vector indexes too.
      throw new SchemaDefinitionError(
        "IndexTooManyFilterFields",
        `Search indexes may have up to ${MAX_VECTOR_FILTER_FIELDS} filter fields.`,
      );
    }
  } catch (error) {
    if (error instanceof SchemaDefinitionError)
      throw new SchemaDefinitionError(error.code, `In table "${table}": ${error.detail}`);
    throw error;
  }
}

/** Two vector indexes of a table (staged or not) may not index the same field with the same dimensions. */
function checkVectorFieldsUnique(table: string, indexes: VectorIndexDefinition[]): void {
  const byName = new Map(indexes.map((index) => [index.indexDescriptor, index]));
  const seen = new Map<string, string>();
  for (const name of [...byName.keys()].sort(compareBytes)) {
    const { vectorField, dimensions } = byName.get(name)!;
    const key = `${dimensions}:${vectorField}`;
    const other = seen.get(key);
    if (other !== undefined) {
      // The line break and indentation are in Convex's message (a Rust string literal without `\`).
      throw new SchemaDefinitionError(
        "VectorIndexFieldNotUnique",
        `In table "${table}" vector index "${name}" and vector index "${other}" have the same \`vectorField\`. Vector index fields must be unique within a table. You should combine the\n             indexes with the same \`vectorField\` into one index containing all \`filterField\`s and then use different subsets of the \`filterField\`s at query time.`,
      );
    }
    seen.set(key, name);
  }
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Whether a document of `validator` can have a field at `parts` (validator.rs, `can_contain_field`). */
function canContainField(validator: ValidatorJson, parts: string[]): boolean {
  if (parts.length === 0) return true;
  if (validator.type === "any") return true;
  if (validator.type === "union") return validator.value.some((member) => canContainField(member, parts));
  if (validator.type === "object") {
    const field = validator.value[parts[0]!];
    return field !== undefined && canContainField(field.fieldType, parts.slice(1));
  }
  return false;
}

/** Whether a field at `parts` may hold an array of float64 (validator.rs, `overlaps_with_array_float64`). */
function mayHoldVector(validator: ValidatorJson, parts: string[]): boolean {
  if (parts.length === 0) {
    if (validator.type === "array") return validator.value.type === "number" || validator.value.type === "any";
    if (validator.type === "union") return validator.value.some((member) => mayHoldVector(member, []));
    return validator.type === "any";
  }
  if (validator.type === "any") return true;
  if (validator.type === "union") return validator.value.some((member) => mayHoldVector(member, parts));
  if (validator.type === "object") {
    const field = validator.value[parts[0]!];
    return field === undefined || mayHoldVector(field.fieldType, parts.slice(1));
  }
  return false;
}

/**
 * With schema validation on, a vector index's field must be able to exist and to hold an array
 * of float64 (schemas/mod.rs, `check_index_references`).
 */
function checkVectorFieldReferences(table: SchemaTable): void {
  const type = table.documentType;
  if (!type) return;
  for (const index of [...(table.vectorIndexes ?? []), ...(table.stagedVectorIndexes ?? [])]) {
    const parts = fieldPathParts(index.vectorField)!;
    const field = `"${parts.join(".")}"`;
    const systemField = parts.length === 1 && parts[0]!.startsWith("_");
    if (!systemField && !canContainField(type, parts)) {
      throw new SchemaDefinitionError(
        "SchemaDefinitionError",
        `In table "${table.tableName}" the index "${index.indexDescriptor}" is invalid because it references the field ${field} that does not exist.`,
      );
    }
    if (!mayHoldVector(type, parts)) {
      throw new SchemaDefinitionError(
        "SchemaDefinitionError",
        `In table "${table.tableName}" the vector index "${index.indexDescriptor}" is invalid because it references the field ${field} that is neither an array of float64 or optional array of float64.`,
      );
    }
  }
}

/** Throws a SchemaDefinitionError for the first name in `schema` that Convex would refuse, in Convex's order. */
export function checkSchemaNames(schema: SchemaJson | null): void {
  for (const table of schema?.tables ?? []) {
    const name = table.tableName;
    if (table.documentType) checkFieldNames(table.documentType);
    if (!isValidIdentifier(name)) {
      throw new SchemaDefinitionError(
        "InvalidTableName",
        `Invalid table name: "${name}". Identifiers must start with a letter and can only contain letters, digits, and underscores.`,
      );
    }
    if (name.startsWith("_")) throw new SchemaDefinitionError("TableNameReserved", `${name} is a reserved table name.`);
    const indexes = table.indexes ?? [];
    const searchIndexes = table.searchIndexes ?? [];
    const vectorIndexes = table.vectorIndexes ?? [];
    const stagedVectorIndexes = table.stagedVectorIndexes ?? [];
    if (indexes.length + searchIndexes.length + vectorIndexes.length + stagedVectorIndexes.length > MAX_INDEXES_PER_TABLE) {
      throw new SchemaDefinitionError(
        "TooManyIndexes",
        `Table "${name}" cannot have more than ${MAX_INDEXES_PER_TABLE} indexes.`,
      );
    }
    for (const index of indexes) {
      checkIndexName(index.indexDescriptor);
      checkIndexFields(index.indexDescriptor, index.fields);
    }
    for (const index of indexes) {
      if (index.fields.length === 0) {
        throw new SchemaDefinitionError(
          "EmptyIndex",
          `In table "${name}" index "${index.indexDescriptor}" must have at least one field.`,
        );
      }
    }
    for (const index of searchIndexes) checkIndexName(index.indexDescriptor);
    for (const index of [...vectorIndexes, ...stagedVectorIndexes]) checkVectorIndex(name, index);
    checkVectorFieldsUnique(name, [...vectorIndexes, ...stagedVectorIndexes]);
    const names = new Set<string>();
    for (const { indexDescriptor } of [...indexes, ...searchIndexes, ...stagedVectorIndexes, ...vectorIndexes]) {
      if (isReservedIndexName(indexDescriptor)) {
        throw new SchemaDefinitionError(
          "IndexNameReserved",
          `In table "${name}" cannot name an index "${indexDescriptor}" because the name is reserved. Indexes may not start with an underscore or be named "by_id" or "by_creation_time".`,
        );
      }
      if (names.has(indexDescriptor)) {
        throw new SchemaDefinitionError(
          "IndexNamesNotUnique",
          `Table "${name}" has two or more definitions of index "${indexDescriptor}".`,
        );
      }
      names.add(indexDescriptor);
    }
    for (const index of indexes) checkUserIndexFields(index.fields);
  }
  // Checked once every table has parsed, as Convex checks index references.
  if (schema?.schemaValidation) for (const table of schema.tables) checkVectorFieldReferences(table);
}
