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
  // eslint-disable-next-line no-control-regex -- the ASCII range starts at \x00
  const parts = /^[\x00-\x7f]*$/.test(lower) ? lower.split(/[^a-z0-9]+/) : lower.split(/[^\p{L}\p{N}]+/u);
  return parts.filter((t) => t.length > 0);
}

export interface SearchHit {
  doc: Doc;
  score: number;
}

/**
 * The documents containing a term, with how often it occurs in each. Most terms occur once in
 * one document, so that case is the document's id alone.
 */
type Posting = string | Map<string, number>;

function postingSize(p: Posting): number {
  return typeof p === "string" ? 1 : p.size;
}

function* postingEntries(p: Posting): Iterable<[string, number]> {
  if (typeof p === "string") yield [p, 1];
  else yield* p;
}

/** BM25's parameters, as tantivy (Convex's search engine) sets them. */
const BM25_K1 = 1.2;
const BM25_B = 0.75;
/** Convex's limits: query terms, and index terms one prefix term may match. */
const MAX_QUERY_TERMS = 16;
const MAX_PREFIX_MATCHES = 16;

export class SearchIndex {
  private readonly postings = new Map<string, Posting>();
  /** Number of terms in each document's search field (documents without any are left out). */
  private readonly lengths = new Map<string, number>();
  private totalTerms = 0;
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

  /** Each term of the search field and how often it occurs. */
  private termsOf(doc: Doc): Map<string, number> {
    const text = fieldValue(doc, this.searchField);
    const counts = new Map<string, number>();
    if (typeof text === "string") for (const t of tokenize(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
    return counts;
  }

  add(doc: Doc): void {
    if (!this.built) return;
    // Every document counts towards BM25's document total, with or without text.
    this.docCount++;
    const id = doc._id as string;
    const terms = this.termsOf(doc);
    if (terms.size === 0) return;
    let length = 0;
    for (const [term, count] of terms) {
      length += count;
      const posting = this.postings.get(term);
      if (posting === undefined) {
        this.postings.set(term, count === 1 ? id : new Map([[id, count]]));
        this.sortedTerms = null;
      } else if (typeof posting === "string") {
        this.postings.set(
          term,
          new Map([
            [posting, 1],
            [id, count],
          ]),
        );
      } else posting.set(id, count);
    }
    this.lengths.set(id, length);
    this.totalTerms += length;
  }

  remove(doc: Doc): void {
    if (!this.built) return;
    this.docCount--;
    const id = doc._id as string;
    const length = this.lengths.get(id);
    if (length === undefined) return;
    this.lengths.delete(id);
    this.totalTerms -= length;
    for (const term of this.termsOf(doc).keys()) {
      const posting = this.postings.get(term);
      if (posting === undefined) continue;
      if (typeof posting === "string") {
        if (posting === id) {
          this.postings.delete(term);
          this.sortedTerms = null;
        }
      } else {
        posting.delete(id);
        if (posting.size === 0) {
          this.postings.delete(term);
          this.sortedTerms = null;
        } else if (posting.size === 1) {
          const [only, count] = posting.entries().next().value!;
          if (count === 1) this.postings.set(term, only);
        }
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
    for (let i = lo; i < terms.length && terms[i]!.startsWith(prefix) && out.length < MAX_PREFIX_MATCHES; i++)
      out.push(terms[i]!);
    return out;
  }

  /**
   * Documents matching any query term (the last one also as a prefix), best first, as Convex
   * ranks them: BM25 over the search field summed over the matched terms, a term matched only
   * as a prefix weighted half; ties newest first.
   */
  search(query: string, lookup: (id: string) => Doc | undefined, accept: (doc: Doc) => boolean, limit: number): SearchHit[] {
    this.ensureBuilt();
    const queryTerms = [...new Set(tokenize(query))].slice(0, MAX_QUERY_TERMS);
    // Each index term's weight: an exact match of any query term wins over a prefix match.
    const boosts = new Map<string, number>();
    queryTerms.forEach((term, i) => {
      if (this.postings.has(term)) boosts.set(term, 1);
      if (i === queryTerms.length - 1) for (const t of this.termsWithPrefix(term)) if (!boosts.has(t)) boosts.set(t, 0.5);
    });
    const docs = Math.max(this.docCount, 1);
    const averageLength = this.totalTerms / docs || 1;
    const scores = new Map<string, number>();
    for (const [term, boost] of boosts) {
      const posting = this.postings.get(term)!;
      const n = postingSize(posting);
      const weight = boost * Math.log(1 + (docs - n + 0.5) / (n + 0.5)) * (1 + BM25_K1);
      for (const [id, tf] of postingEntries(posting)) {
        const length = this.lengths.get(id) ?? 0;
        const score = (weight * tf) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * length) / averageLength));
        scores.set(id, (scores.get(id) ?? 0) + score);
      }
    }
    const hits: SearchHit[] = [];
    for (const [id, score] of scores) {
      const doc = lookup(id);
      if (doc && accept(doc)) hits.push({ doc, score });
    }
    hits.sort(
      (a, b) =>
        b.score - a.score ||
        compareFieldValues(b.doc._creationTime, a.doc._creationTime) ||
        compareKeys([a.doc._id], [b.doc._id]),
    );
    return hits.slice(0, limit);
  }
}
