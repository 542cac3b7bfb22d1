/**
 * `ctx.vectorSearch` in actions: the `1.0/actions/vectorSearch` syscall, answered from exact
 * vector indexes (a scan of every indexed vector, top-k by cosine similarity).
 *
 * An index holds committed data only, as Convex's does: it is built inside the executor (where
 * no transaction is under way, so memory holds exactly what is committed) and then follows
 * commits through the Runtime's commit listener, so an action's search never sees a running
 * mutation's writes, and searching needs no turn on the executor.
 */
import type { JSONValue } from "convex/values";
import type { VectorIndexDefinition } from "../../database/database";
import { qualifiedTableName } from "../../database/namespaces";
import { indexStagedError, UserError } from "../../database/transaction";
import type { Runtime, SyscallOrigin } from "../../runtime/runtime";
import { compileVectorQuery, parseVectorQuery } from "./query";
import { ExactVectorIndex, normalize } from "./vector-index";

export const VECTOR_SEARCH_SYSCALL = "1.0/actions/vectorSearch";

function sameDefinition(a: VectorIndexDefinition, b: VectorIndexDefinition): boolean {
  return (
    a.vectorField === b.vectorField &&
    a.dimensions === b.dimensions &&
    a.filterFields.length === b.filterFields.length &&
    a.filterFields.every((f, i) => f === b.filterFields[i])
  );
}

export class VectorSearch {
  /** Built indexes by table, then index name. */
  private readonly built = new Map<string, Map<string, ExactVectorIndex>>();

  constructor(private readonly runtime: Runtime) {
    runtime.onCommit((_ts, writes) => {
      for (const write of writes) {
        const indexes = this.built.get(write.table);
        if (!indexes) continue;
        for (const [name, index] of indexes) {
          // An index the schema no longer declares as it was is rebuilt by its next search.
          if (this.current(write.table, name, index)) index.put(write.id, write.after);
          else indexes.delete(name);
        }
      }
    });
    runtime.handleAsyncSyscall(VECTOR_SEARCH_SYSCALL, (args, origin) => this.search(args, origin));
  }

  private definition(table: string, name: string): VectorIndexDefinition | undefined {
    return this.runtime.db.tableDefinition(table)?.vectorIndexes?.find((i) => i.indexDescriptor === name);
  }

  /** Whether `index` still matches the schema's definition of `table.name`. */
  private current(table: string, name: string, index: ExactVectorIndex): boolean {
    const definition = this.definition(table, name);
    return definition !== undefined && sameDefinition(definition, index.definition);
  }

  /** The index, built from the committed documents if it is not built yet (or the schema changed it). */
  private async index(table: string, name: string): Promise<ExactVectorIndex> {
    const built = this.built.get(table)?.get(name);
    if (built && this.current(table, name, built)) return built;
    return await this.runtime.serial(async () => {
      const definition = this.definition(table, name);
      if (!definition) throw new UserError(`Index ${table}.${name} not found.`);
      const existing = this.built.get(table)?.get(name);
      if (existing && sameDefinition(definition, existing.definition)) return existing;
      const index = new ExactVectorIndex(definition);
      const docs = this.runtime.db.table(table)?.docs;
      index.reserve(docs?.size ?? 0);
      for (const [id, doc] of docs ?? []) index.put(id, doc);
      const indexes = this.built.get(table) ?? new Map<string, ExactVectorIndex>();
      indexes.set(name, index);
      this.built.set(table, indexes);
      return index;
    });
  }

  /** Builds every vector index the schema declares (the first search would otherwise). */
  async warm(): Promise<void> {
    for (const table of this.runtime.db.schema?.tables ?? []) {
      for (const { indexDescriptor } of table.vectorIndexes ?? []) await this.index(table.tableName, indexDescriptor);
    }
  }

  /**
   * Refuses an index that is not a queryable vector index, as Convex's index registry does
   * (`require_enabled`, then the vector search's own check).
   */
  private checkIndex(table: string, name: string, tableName = table): void {
    const def = this.runtime.db.tableDefinition(table);
    const printable = `${tableName}.${name}`;
    if (def?.vectorIndexes?.some((i) => i.indexDescriptor === name)) return;
    if (this.runtime.db.isStagedIndex(table, name)) throw indexStagedError(tableName, name);
    const named = (indexes: { indexDescriptor: string }[] | undefined) => indexes?.some((i) => i.indexDescriptor === name);
    if (name === "by_id" || name === "by_creation_time" || named(def?.indexes) || named(def?.searchIndexes)) {
      throw new UserError(`Index ${printable} is not a vector index`);
    }
    throw new UserError(`Index ${printable} not found.`);
  }

  private async search(args: Record<string, unknown>, origin: SyscallOrigin): Promise<JSONValue> {
    // Only actions have the syscall (Convex's queries and mutations do not know it).
    if (origin.kind !== "action") throw new UserError(`Unknown async operation ${VECTOR_SEARCH_SYSCALL}`);
    const query = parseVectorQuery(args);
    // The table of the searching function's component (its namespace's name for it).
    const table = qualifiedTableName(origin.component, query.table);
    // A table that does not exist has nothing to find, whatever the index (Convex: database.rs).
    if (!this.runtime.db.table(table)) return { results: [] };
    this.checkIndex(table, query.index, query.table);
    const index = await this.index(table, query.index);
    const conditions = compileVectorQuery(query, index);
    const hits = index.search(normalize(query.vector), conditions, query.limit);
    return { results: hits.map(({ _id, _score }) => ({ _id, _score })) };
  }
}
