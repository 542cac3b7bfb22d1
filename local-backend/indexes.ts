/**
 * In-memory index structures: a sorted array of documents per database index (ordered by the
 * index fields, then `_creationTime`, then `_id`, in Convex's value order), and an inverted
 * index per search index.
 */
import { compareFieldValues, compareKeys, fieldValue, type Doc, type FieldValue } from "./values";

export interface Bound {
  /** A prefix of the index key. */
  key: FieldValue[];
  inclusive: boolean;
}

/** A range of an index: documents whose key prefix lies between `lower` and `upper`. */
export interface KeyRange {
  lower: Bound | null;
  upper: Bound | null;
}

/** Compares only the first `prefix.length` components of a key with `prefix`. */
export function comparePrefix(key: readonly FieldValue[], prefix: readonly FieldValue[]): number {
  for (let i = 0; i < prefix.length; i++) {
    const c = compareFieldValues(key[i], prefix[i]);
    if (c !== 0) return c;
  }
  return 0;
}

export function keyInRange(key: readonly FieldValue[], range: KeyRange): boolean {
  if (range.lower) {
    const c = comparePrefix(key, range.lower.key);
    if (c < 0 || (c === 0 && !range.lower.inclusive)) return false;
  }
  if (range.upper) {
    const c = comparePrefix(key, range.upper.key);
    if (c > 0 || (c === 0 && !range.upper.inclusive)) return false;
  }
  return true;
}

export class SortedIndex {
  private readonly entries: Doc[] = [];
  /** Bumped on every insert/remove, so open streams know when their positions went stale. */
  version = 0;
  /** False after bulk appends: the sort is deferred until first use (or the start-up warm-up). */
  private sorted = true;
  constructor(
    readonly name: string,
    /** The full key: declared fields, then `_creationTime` and `_id`. */
    readonly fields: readonly string[],
  ) {}

  keyOf(doc: Doc): FieldValue[] {
    return this.fields.map((f) => fieldValue(doc, f));
  }

  private compareDocs = (a: Doc, b: Doc): number => {
    for (const f of this.fields) {
      const c = compareFieldValues(fieldValue(a, f), fieldValue(b, f));
      if (c !== 0) return c;
    }
    return 0;
  };

  /** The documents in index order. */
  get docs(): Doc[] {
    if (!this.sorted) {
      this.entries.sort(this.compareDocs);
      this.sorted = true;
    }
    return this.entries;
  }

  /** Appends without ordering (bulk loads); the index sorts itself on next use. */
  appendUnsorted(doc: Doc): void {
    this.version++;
    this.entries.push(doc);
    this.sorted = false;
  }

  clear(): void {
    this.version++;
    this.entries.length = 0;
    this.sorted = true;
  }

  /** First position whose document is not before `doc` (by full key). */
  private positionOf(doc: Doc): number {
    let lo = 0;
    let hi = this.docs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareDocs(this.docs[mid]!, doc) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(doc: Doc): void {
    this.version++;
    this.docs.splice(this.positionOf(doc), 0, doc);
  }

  remove(doc: Doc): void {
    this.version++;
    const at = this.positionOf(doc);
    if (this.docs[at]?._id === doc._id) this.docs.splice(at, 1);
    else {
      // Keys are unique (they end in _id), so this only happens if the caller passed a stale doc.
      const i = this.docs.findIndex((d) => d._id === doc._id);
      if (i >= 0) this.docs.splice(i, 1);
    }
  }

  /** First position whose key prefix is >= key (or > key when `after`). */
  private searchPrefix(prefix: readonly FieldValue[], after: boolean): number {
    let lo = 0;
    let hi = this.docs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = comparePrefix(this.keyOf(this.docs[mid]!), prefix);
      if (c < 0 || (after && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Positions [start, end) of the documents in `range`. */
  span(range: KeyRange): [number, number] {
    const start = range.lower ? this.searchPrefix(range.lower.key, !range.lower.inclusive) : 0;
    const end = range.upper ? this.searchPrefix(range.upper.key, range.upper.inclusive) : this.docs.length;
    return [start, Math.max(start, end)];
  }
}

/** Splits text into lowercase terms the way a simple full-text tokenizer does. */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  // ASCII text (the common case) splits with a cheaper pattern than the Unicode one.
  const parts = /^[\x00-\x7f]*$/.test(lower) ? lower.split(/[^a-z0-9]+/) : lower.split(/[^\p{L}\p{N}]+/u);
  return parts.filter((t) => t.length > 0);
}

export interface SearchHit {
  doc: Doc;
  score: number;
}

/** Doc ids containing a term: most terms occur once, so a lone id is stored without a Set. */
type Posting = string | Set<string>;

function postingSize(p: Posting): number {
  return typeof p === "string" ? 1 : p.size;
}

function* postingIds(p: Posting): Iterable<string> {
  if (typeof p === "string") yield p;
  else yield* p;
}

export class SearchIndex {
  private readonly postings = new Map<string, Posting>();
  /** Built on first use (or by the start-up warm-up) from the table's current documents. */
  private built = false;
  /** Distinct terms in sorted order, for prefix lookups of the last query term. */
  private sortedTerms: string[] | null = [];
  private docCount = 0;

  constructor(
    readonly name: string,
    readonly searchField: string,
    readonly filterFields: readonly string[],
    private readonly source: () => Iterable<Doc>,
  ) {}

  ensureBuilt(): void {
    if (this.built) return;
    this.built = true;
    for (const doc of this.source()) this.add(doc);
  }

  private termsOf(doc: Doc): Set<string> {
    const text = fieldValue(doc, this.searchField);
    return new Set(typeof text === "string" ? tokenize(text) : []);
  }

  add(doc: Doc): void {
    if (!this.built) return;
    const id = doc._id as string;
    const terms = this.termsOf(doc);
    if (terms.size === 0) return;
    this.docCount++;
    for (const term of terms) {
      const posting = this.postings.get(term);
      if (posting === undefined) {
        this.postings.set(term, id);
        this.sortedTerms = null;
      } else if (typeof posting === "string") {
        if (posting !== id) this.postings.set(term, new Set([posting, id]));
      } else posting.add(id);
    }
  }

  remove(doc: Doc): void {
    if (!this.built) return;
    const id = doc._id as string;
    const terms = this.termsOf(doc);
    if (terms.size === 0) return;
    this.docCount--;
    for (const term of terms) {
      const posting = this.postings.get(term);
      if (posting === undefined) continue;
      if (typeof posting === "string") {
        if (posting === id) {
          this.postings.delete(term);
          this.sortedTerms = null;
        }
      } else {
        posting.delete(id);
        if (posting.size === 1) this.postings.set(term, posting.values().next().value!);
      }
    }
  }

  private termsWithPrefix(prefix: string): string[] {
    this.sortedTerms ??= [...this.postings.keys()].sort();
    const terms = this.sortedTerms;
    let lo = 0;
    let hi = terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (terms[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < terms.length && terms[i]!.startsWith(prefix); i++) out.push(terms[i]!);
    return out;
  }

  /**
   * Documents matching any query term (the last one also as a prefix), scored by the terms'
   * rarity (BM25's idf), best first; ties broken by newest first.
   */
  search(
    query: string,
    lookup: (id: string) => Doc | undefined,
    accept: (doc: Doc) => boolean,
    limit: number,
  ): SearchHit[] {
    this.ensureBuilt();
    const queryTerms = [...new Set(tokenize(query))].slice(0, 16);
    const scores = new Map<string, number>();
    queryTerms.forEach((term, i) => {
      const isLast = i === queryTerms.length - 1;
      const matching = isLast ? this.termsWithPrefix(term) : this.postings.has(term) ? [term] : [];
      const best = new Map<string, number>();
      for (const t of matching) {
        const posting = this.postings.get(t)!;
        const n = postingSize(posting);
        const idf = Math.log(1 + (this.docCount - n + 0.5) / (n + 0.5));
        // An exact match counts fully, a prefix match a little less.
        const weight = (t === term ? 1 : 0.8) * idf;
        for (const id of postingIds(posting)) {
          if (weight > (best.get(id) ?? 0)) best.set(id, weight);
        }
      }
      for (const [id, s] of best) scores.set(id, (scores.get(id) ?? 0) + s);
    });
    const hits: SearchHit[] = [];
    for (const [id, score] of scores) {
      const doc = lookup(id);
      if (doc && accept(doc)) hits.push({ doc, score });
    }
    hits.sort(
      (a, b) =>
        b.score - a.score ||
        compareFieldValues(b.doc._creationTime, a.doc._creationTime) ||
        compareKeys([b.doc._id], [a.doc._id]),
    );
    return hits.slice(0, limit);
  }
}
