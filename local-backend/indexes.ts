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
  readonly docs: Doc[] = [];
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

  /** Appends without ordering; call `sort()` once after a bulk load. */
  appendUnsorted(doc: Doc): void {
    this.docs.push(doc);
  }

  sort(): void {
    this.docs.sort(this.compareDocs);
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
    this.docs.splice(this.positionOf(doc), 0, doc);
  }

  remove(doc: Doc): void {
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
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

export interface SearchHit {
  doc: Doc;
  score: number;
}

export class SearchIndex {
  private readonly postings = new Map<string, Map<string, number>>();
  /** Distinct terms in sorted order, for prefix lookups of the last query term. */
  private sortedTerms: string[] | null = [];
  private docCount = 0;

  constructor(
    readonly name: string,
    readonly searchField: string,
    readonly filterFields: readonly string[],
  ) {}

  private termsOf(doc: Doc): Map<string, number> {
    const text = fieldValue(doc, this.searchField);
    const counts = new Map<string, number>();
    if (typeof text !== "string") return counts;
    for (const t of tokenize(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
    return counts;
  }

  add(doc: Doc): void {
    const id = doc._id as string;
    const terms = this.termsOf(doc);
    if (terms.size === 0) return;
    this.docCount++;
    for (const [term, count] of terms) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = new Map();
        this.postings.set(term, posting);
        this.sortedTerms = null;
      }
      posting.set(id, count);
    }
  }

  remove(doc: Doc): void {
    const id = doc._id as string;
    const terms = this.termsOf(doc);
    if (terms.size === 0) return;
    this.docCount--;
    for (const term of terms.keys()) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      posting.delete(id);
      if (posting.size === 0) {
        this.postings.delete(term);
        this.sortedTerms = null;
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
   * Documents matching any query term (the last one also as a prefix), scored with a
   * BM25-like weight (rarer terms weigh more), best first; ties broken by newest first.
   */
  search(
    query: string,
    lookup: (id: string) => Doc | undefined,
    accept: (doc: Doc) => boolean,
    limit: number,
  ): SearchHit[] {
    const queryTerms = [...new Set(tokenize(query))].slice(0, 16);
    const scores = new Map<string, number>();
    queryTerms.forEach((term, i) => {
      const isLast = i === queryTerms.length - 1;
      const matching = isLast ? this.termsWithPrefix(term) : this.postings.has(term) ? [term] : [];
      const best = new Map<string, number>();
      for (const t of matching) {
        const posting = this.postings.get(t)!;
        const idf = Math.log(1 + (this.docCount - posting.size + 0.5) / (posting.size + 0.5));
        // An exact match counts fully, a prefix match a little less.
        const weight = (t === term ? 1 : 0.8) * idf;
        for (const [id, tf] of posting) {
          const s = weight * ((tf * 2.2) / (tf + 1.2));
          if (s > (best.get(id) ?? 0)) best.set(id, s);
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
