/**
 * One vector index, searched exactly. Each indexed document's vector is kept as Convex's index
 * (qdrant, cosine distance) keeps it: float32, scaled to unit length, so a query's score is a
 * dot product. The vectors lie side by side in one Float32Array that a search scans in order.
 */
import type { VectorIndexDefinition } from "../../database/database";
import { compareFieldValues, fieldValue, type Doc, type FieldValue } from "../../database/values";

export interface VectorHit {
  _id: string;
  _score: number;
}

/** A vector filter: field (position in `filterFields`) and the values it may hold; any one field matching is enough. */
export type FieldCondition = { field: number; values: FieldValue[] };

/** Rust's `f32::EPSILON`: qdrant leaves a vector shorter than this as it is rather than divide by ~0. */
const F32_EPSILON = 1.1920929e-7;

/**
 * Writes `vector` at `offset` of `out` scaled to unit length in float32, as qdrant prepares
 * vectors for cosine distance (one shorter than f32::EPSILON is left as it is).
 */
function writeUnit(vector: ArrayLike<number>, out: Float32Array, offset: number): void {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = Math.fround(vector[i]!);
    squares += x * x;
  }
  const length = Math.sqrt(squares);
  const scale = length < F32_EPSILON ? 1 : length;
  for (let i = 0; i < vector.length; i++) out[offset + i] = Math.fround(vector[i]!) / scale;
}

/** A vector scaled to unit length in float32 (see `writeUnit`). */
export function normalize(vector: ArrayLike<number>): Float32Array {
  const out = new Float32Array(vector.length);
  writeUnit(vector, out, 0);
  return out;
}

/**
 * Rust's `f32::total_cmp` on scores, as Convex orders results: NaN above every number, -0 below +0.
 * (A score is NaN when a vector holds NaN or an infinity.)
 */
function compareScores(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  if (a !== b) return a < b ? -1 : 1;
  return a === 0 ? (Object.is(a, -0) ? 0 : 1) - (Object.is(b, -0) ? 0 : 1) : 0;
}

/**
 * Convex's order of results, lowest first (vector/src/query.rs, `VectorSearchQueryResult`): by
 * score, then by id. Ids of one table compare as their internal ids do: same-length base32 text.
 */
function compareHits(scoreA: number, idA: string, scoreB: number, idB: string): number {
  return compareScores(scoreA, scoreB) || (idA < idB ? -1 : idA > idB ? 1 : 0);
}

export class ExactVectorIndex {
  readonly dimensions: number;
  /** The filter fields, each once, in the order declared. */
  readonly filterFields: readonly string[];
  private vectors = new Float32Array(0);
  /** Per slot: the document's id, or null for a free slot. */
  private readonly ids: (string | null)[] = [];
  private readonly filterValues: FieldValue[][] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly freeSlots: number[] = [];

  constructor(readonly definition: VectorIndexDefinition) {
    this.dimensions = definition.dimensions;
    this.filterFields = [...new Set(definition.filterFields)];
  }

  /**
   * The document's vector if Convex would index it: an array of exactly `dimensions` float64
   * numbers. A document without one, or with one of another length, is left out of the index.
   */
  private vectorOf(doc: Doc): number[] | null {
    const value = fieldValue(doc, this.definition.vectorField);
    if (!Array.isArray(value) || value.length !== this.dimensions) return null;
    for (const x of value) if (typeof x !== "number") return null;
    return value as number[];
  }

  /** Sets the index's entry for a document: `doc` null (deleted) or without a vector removes it. */
  put(id: string, doc: Doc | null): void {
    const existing = this.slotOf.get(id);
    if (existing !== undefined) {
      this.slotOf.delete(id);
      this.ids[existing] = null;
      this.filterValues[existing] = [];
      this.freeSlots.push(existing);
    }
    const vector = doc && this.vectorOf(doc);
    if (!doc || !vector) return;
    const slot = this.freeSlots.pop() ?? this.newSlot();
    writeUnit(vector, this.vectors, slot * this.dimensions);
    this.ids[slot] = id;
    this.filterValues[slot] = this.filterFields.map((field) => fieldValue(doc, field));
    this.slotOf.set(id, slot);
  }

  /** Room for `count` more documents without growing (a build knows its size up front). */
  reserve(count: number): void {
    const needed = (this.ids.length + count) * this.dimensions;
    if (needed > this.vectors.length) this.grow(needed);
  }

  private newSlot(): number {
    const slot = this.ids.length;
    const needed = (slot + 1) * this.dimensions;
    if (needed > this.vectors.length) this.grow(Math.max(needed, Math.ceil(this.vectors.length * 1.5)));
    this.ids.push(null);
    this.filterValues.push([]);
    return slot;
  }

  private grow(length: number): void {
    const vectors = new Float32Array(length);
    vectors.set(this.vectors);
    this.vectors = vectors;
  }

  private matches(slot: number, conditions: readonly FieldCondition[]): boolean {
    if (conditions.length === 0) return true;
    const values = this.filterValues[slot]!;
    return conditions.some(({ field, values: wanted }) => wanted.some((v) => compareFieldValues(v, values[field]) === 0));
  }

  /** Dot product of the (unit) query with the vector in `slot`, four sums at a time, as float32. */
  private score(query: Float64Array, slot: number): number {
    const v = this.vectors;
    const d = this.dimensions;
    const base = slot * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < d; i += 4) {
      s0 += query[i]! * v[base + i]!;
      s1 += query[i + 1]! * v[base + i + 1]!;
      s2 += query[i + 2]! * v[base + i + 2]!;
      s3 += query[i + 3]! * v[base + i + 3]!;
    }
    for (; i < d; i++) s0 += query[i]! * v[base + i]!;
    return Math.fround(s0 + s1 + s2 + s3);
  }

  /**
   * The `limit` documents most similar to `query` (already unit length) among those matching
   * `conditions`, as Convex orders them: score descending, then id descending.
   */
  search(unitQuery: Float32Array, conditions: readonly FieldCondition[], limit: number): VectorHit[] {
    if (limit <= 0) return [];
    // The same float32 values, read faster from a float64 array in the hot loop.
    const query = Float64Array.from(unitQuery);
    // A min-heap of the best so far: its root is the worst of them, the first to give way.
    const scores: number[] = [];
    const slots: number[] = [];
    const worse = (a: number, b: number) => compareHits(scores[a]!, this.ids[slots[a]!]!, scores[b]!, this.ids[slots[b]!]!) < 0;
    const swap = (a: number, b: number) => {
      [scores[a], scores[b]] = [scores[b]!, scores[a]!];
      [slots[a], slots[b]] = [slots[b]!, slots[a]!];
    };
    const siftDown = (at: number) => {
      for (;;) {
        const left = 2 * at + 1;
        const right = left + 1;
        let least = at;
        if (left < scores.length && worse(left, least)) least = left;
        if (right < scores.length && worse(right, least)) least = right;
        if (least === at) return;
        swap(at, least);
        at = least;
      }
    };
    for (let slot = 0; slot < this.ids.length; slot++) {
      const id = this.ids[slot] ?? null;
      if (id === null || !this.matches(slot, conditions)) continue;
      const score = this.score(query, slot);
      if (scores.length < limit) {
        scores.push(score);
        slots.push(slot);
        for (let at = scores.length - 1; at > 0;) {
          const parent = (at - 1) >> 1;
          if (!worse(at, parent)) break;
          swap(at, parent);
          at = parent;
        }
      } else {
        if (compareHits(score, id, scores[0]!, this.ids[slots[0]!]!) < 0) continue;
        scores[0] = score;
        slots[0] = slot;
        siftDown(0);
      }
    }
    const hits = scores.map((score, i) => ({ _id: this.ids[slots[i]!]!, _score: score }));
    return hits.sort((a, b) => compareHits(b._score, b._id, a._score, a._id));
  }
}
