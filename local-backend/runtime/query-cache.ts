import type { JSONValue } from "convex/values";
import type { Database, DocumentWrite } from "../database/database";
import { type ReadEntry, writeAffects } from "../database/transaction";
import type { Caller } from "./auth";

/** What a cached query returned, with what it read (its result holds until a commit touches that). */
export interface CachedQuery {
  value: JSONValue;
  reads: ReadEntry[];
  journal: string | null;
}

const MAX_ENTRIES = 1_000;

/**
 * Query results kept until a commit writes something they read, as Convex caches them: the same
 * query, arguments and caller at a later snapshot that nothing touched are answered without
 * running the function again. A page's server render and its browser's subscription ask for the
 * same queries, and every open tab of a user too. Results whose run logged something are not
 * kept (Convex logs only runs), nor failures. Least recently used first out past MAX_ENTRIES.
 */
export class QueryCache {
  private readonly entries = new Map<string, CachedQuery>();

  constructor(private readonly db: Database) {}

  key(component: string, path: string, args: JSONValue, caller: Caller, journal: string | null): string | null {
    // The backend's own system queries and admin callers are not cached: they are rare, and the
    // admin sees more than any identity.
    if (caller.admin) return null;
    return JSON.stringify([component, path, args, caller.identity, caller.allowInternal, journal]);
  }

  get(key: string): CachedQuery | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedQuery): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops every result a commit's writes could change. */
  invalidate(writes: DocumentWrite[]): void {
    for (const [key, entry] of this.entries) {
      if (entry.reads.some((read) => writes.some((write) => writeAffects(read, write, this.db.indexKeyOf))))
        this.entries.delete(key);
    }
  }

  /** New functions, or a database that changed beneath every read: nothing kept holds. */
  clear(): void {
    this.entries.clear();
  }
}
