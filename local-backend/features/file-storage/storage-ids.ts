/**
 * The `storageId` arguments of `ctx.storage.*`: an `Id<"_storage">`, or the UUID string Convex
 * still accepts (what `getMetadata()` calls `storageId`). Parsing and wording follow Convex
 * (convex-backend crates/model/src/file_storage/mod.rs, `FileStorageId::from_str` and
 * `query_for_storage_id`; crates/isolate/src/environment/helpers/mod.rs, `with_argument_error`).
 */
import { decodeDocumentId } from "../../database/ids";
import { UserError } from "../../database/transaction";
import { formatUuid, parseUuid } from "./secrets";

export type FileStorageId = { kind: "id"; id: string; tableNumber: number } | { kind: "uuid"; uuid: Buffer };

/** As Convex prints it in "storage id … not found". */
export function displayStorageId(storageId: FileStorageId): string {
  return storageId.kind === "id" ? storageId.id : formatUuid(storageId.uuid);
}

/** How serde names a JSON value that is not the string it expected. */
function serdeKind(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return `boolean \`${value}\``;
  if (typeof value === "number") return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (Array.isArray(value)) return "sequence";
  return "map";
}

/** The `storageId` of a storage syscall's arguments, or Convex's InvalidArgument error for `method`. */
export function parseStorageId(args: Record<string, unknown>, method: string): FileStorageId {
  const value = args.storageId;
  if (value === undefined) throw new UserError(`Invalid arguments for \`${method}\`: missing field \`storageId\``);
  if (typeof value !== "string") {
    throw new UserError(`Invalid arguments for \`${method}\`: invalid type: ${serdeKind(value)}, expected a string`);
  }
  const decoded = decodeDocumentId(value);
  if (decoded) return { kind: "id", id: value, tableNumber: decoded.tableNumber };
  const uuid = parseUuid(value);
  if (uuid) return { kind: "uuid", uuid };
  // Convex's message spans two source lines, and so keeps the newline and indentation between them.
  throw new UserError(
    `Invalid argument \`storageId\` for \`${method}\`: Invalid storage ID: "${value}". Storage ID should be an\n                    Id of '_storage' table, or a UUID string.`,
  );
}

/** An id of another table than `_storage` (or of none this deployment has). */
export const NOT_A_STORAGE_ID = "Invalid storage ID. Storage ID cannot be an ID on any table other than '_storage'.";
