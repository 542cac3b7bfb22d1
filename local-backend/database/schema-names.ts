/**
 * The names Convex refuses in a schema when it is pushed: table, field and index names and index
 * fields. Rules and wording from convex-backend (read, not copied): crates/convex/sync_types/src/
 * identifier.rs (identifiers, field names), crates/common/src/bootstrap_model/index/
 * index_validation_error.rs (the coded messages), crates/common/src/schemas/json.rs (which check
 * applies where), indexed_fields.rs and application/src/lib.rs (index fields).
 */
import type { SchemaJson } from "./database";
import type { ValidatorJson } from "./values";

const MAX_IDENTIFIER_LEN = 64;
const MAX_FIELD_NAME_LENGTH = 1024;
const MAX_INDEXES_PER_TABLE = 64;
const MAX_INDEX_FIELDS = 16;

/** A schema Convex would refuse; the message is Convex's, prefixed with its error code where it has one. */
export class SchemaDefinitionError extends Error {
  override name = "SchemaDefinitionError";
  constructor(code: string | null, message: string) {
    super(code ? `${code}: ${message}` : message);
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

function isValidIdentifier(s: string): boolean {
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

/** The checks Convex makes while parsing an index's fields. */
function checkIndexFields(index: string, fields: string[]): void {
  for (const field of fields) {
    const parts = field.replace(/^\.+|\.+$/g, "").split(".");
    if (parts.join("") === "" || parts.some((p) => fieldNameProblem(p) !== null)) {
      throw new SchemaDefinitionError("InvalidIndexField", `In index "${index}": Invalid index field: "${field}"`);
    }
  }
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
    if (indexes.length + searchIndexes.length > MAX_INDEXES_PER_TABLE) {
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
    const names = new Set<string>();
    for (const { indexDescriptor } of [...indexes, ...searchIndexes]) {
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
}
