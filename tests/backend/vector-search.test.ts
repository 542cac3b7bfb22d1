/**
 * Vector search (`vectorIndex` in the schema, `ctx.vectorSearch` in actions) through the real
 * `convex` client: results against a brute-force oracle written here, index maintenance as
 * documents change, committed data only, and Convex's limits and errors (convex-backend
 * crates/vector: query.rs, qdrant_index.rs `compile`, memory_index.rs; index_registry.rs).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineSchema, defineTable } from "convex/server";
import { v, type Value } from "convex/values";
import { beforeEach, describe, expect, it } from "vitest";
import type { SchemaJson } from "../../local-backend/database/database";
import { checkSchemaNames } from "../../local-backend/database/schema-names";
import { api } from "./fixtures/convex/_generated/api";
import type { Doc } from "./fixtures/convex/_generated/dataModel";
import { fixtureBackend, startTestBackend } from "./helpers";

const fixture = fixtureBackend();
const DIMENSIONS = 8;

type Row = { owner: string; group?: string; rank?: number; embedding?: number[] };
type Condition = { field: string; value?: Value };
type Hit = { _id: string; _score: number };

/** A deterministic pseudo-random source (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Search = { vector: unknown[]; limit?: unknown; filter?: Condition[]; or?: boolean; table?: string; index?: string };

/** Runs searches in one action (one action per search would start a worker each). */
async function searchAll(searches: Search[]): Promise<({ hits: Hit[] } | { error: string })[]> {
  return await fixture.http.action(api.vectors.search, { searches });
}

/** One search; its failure fails the action, as the client reports it. */
async function search(vector: unknown[], options: Omit<Search, "vector"> = {}): Promise<Hit[]> {
  const [outcome] = await fixture.http.action(api.vectors.search, { searches: [{ vector, ...options }], uncaught: true });
  return (outcome as { hits: Hit[] }).hits;
}

/** The message each search failed with. */
async function errorsOf(searches: Search[]): Promise<string[]> {
  return (await searchAll(searches)).map((outcome) => ("error" in outcome ? outcome.error : `found ${outcome.hits.length}`));
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("expected a failure");
}

/** Cosine similarity, computed plainly in float64: the oracle the index is held to. */
function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Whether a document passes a filter: any one `q.eq` holds (a missing field equals `undefined`). */
function passes(doc: Doc<"vectors">, filter: Condition[] | undefined): boolean {
  if (!filter) return true;
  return filter.some(({ field, value }) => (doc as Record<string, unknown>)[field] === value);
}

/**
 * Checks `hits` against brute force over `docs`: the indexed documents (an 8-number embedding)
 * passing the filter, best first. Scores are float32 in the backend and float64 here, so they
 * agree to 1e-6 and order is checked on the backend's own scores (ties: greater id first).
 */
function expectOracle(hits: Hit[], docs: Doc<"vectors">[], query: number[], limit: number, filter?: Condition[]): void {
  const candidates = docs
    .filter((d) => d.embedding?.length === DIMENSIONS && passes(d, filter))
    .map((d) => ({ id: d._id, score: cosine(query, d.embedding!) }))
    .sort((a, b) => b.score - a.score);
  expect(hits.length).toBe(Math.min(limit, candidates.length));
  const oracle = new Map<string, number>(candidates.map((c) => [c.id, c.score]));
  for (const hit of hits) {
    expect(oracle.has(hit._id)).toBe(true);
    expect(Math.abs(hit._score - oracle.get(hit._id)!)).toBeLessThan(1e-6);
    expect(Math.fround(hit._score)).toBe(hit._score);
  }
  for (let i = 1; i < hits.length; i++) {
    const [a, b] = [hits[i - 1]!, hits[i]!];
    expect(a._score > b._score || (a._score === b._score && a._id > b._id)).toBe(true);
  }
  // Nothing left out scores better than what was returned.
  const returned = new Set(hits.map((h) => h._id));
  const floor = hits.length > 0 ? oracle.get(hits.at(-1)!._id)! : Infinity;
  for (const c of candidates) if (!returned.has(c.id)) expect(c.score).toBeLessThanOrEqual(floor + 1e-6);
}

/** Each test starts from an empty table. */
function emptyTable(): void {
  beforeEach(async () => {
    await fixture.http.mutation(api.vectors.removeAll, {});
  });
}

describe("ctx.vectorSearch results", () => {
  emptyTable();
  it("match a brute-force oracle: random vectors, eq and or filters, limits", async () => {
    const next = random(2024);
    const vec = (n = DIMENSIONS) => Array.from({ length: n }, () => Math.round((next() * 2 - 1) * 1000) / 1000);
    const rows: Row[] = Array.from({ length: 240 }, (_, i) => {
      const row: Row = { owner: i % 5 === 0 ? "other" : "me" };
      if (i % 4 !== 3) row.group = ["a", "b", "c"][i % 3];
      if (i % 6 !== 5) row.rank = i % 3;
      // Most have an indexed vector; some have none, or one of another length (not indexed).
      if (i % 11 !== 10) row.embedding = vec(i % 13 === 12 ? 7 : DIMENSIONS);
      return row;
    });
    await fixture.http.mutation(api.vectors.insertMany, { docs: rows });
    const docs = await fixture.http.query(api.vectors.all, {});
    const filters: (Condition[] | undefined)[] = [
      undefined,
      [{ field: "owner", value: "me" }],
      [{ field: "group", value: "b" }],
      [{ field: "rank", value: 2 }],
      [{ field: "group" }],
      [
        { field: "group", value: "a" },
        { field: "group", value: "c" },
      ],
      [
        { field: "group", value: "a" },
        { field: "rank", value: 1 },
        { field: "owner", value: "other" },
      ],
      [{ field: "group", value: "none of them" }],
    ];
    const limits = [undefined, 1, 7, 50, 256];
    const searches = Array.from({ length: 40 }, (_, q) => {
      const filter = filters[q % filters.length];
      const limit = limits[q % limits.length];
      return { vector: vec(), ...(limit !== undefined ? { limit } : {}), ...(filter ? { filter, or: filter.length > 1 } : {}) };
    });
    const outcomes = await searchAll(searches);
    outcomes.forEach((outcome, q) => {
      const { vector, limit, filter } = searches[q]!;
      expect(outcome).toHaveProperty("hits");
      expectOracle((outcome as { hits: Hit[] }).hits, docs, vector, limit ?? 10, filter);
    });
  });

  it("scores cosine similarity in float32; equal scores put the greater id first", async () => {
    // Scaling a vector by a power of two leaves its unit vector, so its score, exactly as it was.
    const ids = await fixture.http.mutation(api.vectors.insertMany, {
      docs: [
        { owner: "me", embedding: [1, 1, 0, 0, 0, 0, 0, 0] },
        { owner: "me", embedding: [2, 2, 0, 0, 0, 0, 0, 0] },
        { owner: "me", embedding: [4, 4, 0, 0, 0, 0, 0, 0] },
        { owner: "me", embedding: [0, 0, 1, 0, 0, 0, 0, 0] },
        { owner: "me", embedding: [-1, 0, 0, 0, 0, 0, 0, 0] },
        { owner: "me", embedding: [0, 0, 0, 0, 0, 0, 0, 0] },
      ],
    });
    const hits = await search([3, 0, 0, 0, 0, 0, 0, 0]);
    const tied = ids.slice(0, 3).sort().reverse();
    expect(hits).toEqual([
      ...tied.map((_id) => ({ _id, _score: Math.fround(Math.SQRT1_2) })),
      // Orthogonal, and the zero vector (left as it is, not divided by its zero length).
      ...[ids[3]!, ids[5]!]
        .sort()
        .reverse()
        .map((_id) => ({ _id, _score: 0 })),
      { _id: ids[4], _score: -1 },
    ]);
  });

  it("returns 10 by default and at most 256; a limit of 0 finds nothing", async () => {
    const next = random(7);
    await fixture.http.mutation(api.vectors.insertMany, {
      docs: Array.from({ length: 300 }, () => ({ owner: "me", embedding: Array.from({ length: DIMENSIONS }, next) })),
    });
    const vector = [1, 0, 0, 0, 0, 0, 0, 0];
    expect(await errorsOf([{ vector }, { vector, limit: 256 }, { vector, limit: 0 }, { vector, limit: 257 }])).toEqual([
      "found 10",
      "found 256",
      "found 0",
      "Vector queries can fetch at most 256 results, requested 257.",
    ]);
  });
});

describe("the index follows the documents", () => {
  emptyTable();
  it("on insert, patch, replace and delete", async () => {
    const query = [1, 0, 0, 0, 0, 0, 0, 0];
    const [x, y] = await fixture.http.mutation(api.vectors.insertMany, {
      docs: [
        { owner: "me", group: "a", embedding: [1, 0, 0, 0, 0, 0, 0, 0] },
        { owner: "me", group: "a", embedding: [0, 1, 0, 0, 0, 0, 0, 0] },
      ],
    });
    const inGroup = (group: string) => search(query, { filter: [{ field: "group", value: group }] });
    expect((await inGroup("a")).map((h) => h._id)).toEqual([x, y]);

    // A new vector moves it; a changed filter field moves it to the other group.
    await fixture.http.mutation(api.vectors.patch, { id: y!, fields: { embedding: [2, 0, 0, 0, 0, 0, 0, 0] } });
    expect((await inGroup("a")).map((h) => h._score)).toEqual([1, 1]);
    await fixture.http.mutation(api.vectors.patch, { id: x!, fields: { group: "b" } });
    expect((await inGroup("a")).map((h) => h._id)).toEqual([y]);
    expect((await inGroup("b")).map((h) => h._id)).toEqual([x]);

    // A vector of another length, or none, takes a document out of the index.
    await fixture.http.mutation(api.vectors.patch, { id: x!, fields: { embedding: [1, 0, 0] } });
    expect(await inGroup("b")).toEqual([]);
    await fixture.http.mutation(api.vectors.replace, {
      id: x!,
      doc: { owner: "me", group: "b", embedding: [0, 0, 1, 0, 0, 0, 0, 0] },
    });
    expect(await inGroup("b")).toEqual([{ _id: x, _score: 0 }]);
    await fixture.http.mutation(api.vectors.replace, { id: x!, doc: { owner: "me", group: "b" } });
    expect(await inGroup("b")).toEqual([]);

    await fixture.http.mutation(api.vectors.remove, { id: y! });
    expect(await search(query)).toEqual([]);
  });

  it("holds committed data only: a failed mutation's writes, or a running one's, are not found", async () => {
    const doc = { owner: "me", embedding: [0, 0, 0, 0, 0, 0, 0, 1] };
    const query = doc.embedding;
    expect(await errorOf(fixture.http.mutation(api.vectors.insertThenFail, { doc }))).toContain("rolled back");
    expect(await search(query)).toEqual([]);

    // While a mutation holds its insert uncommitted, an action's search does not see it.
    const slow = fixture.http.mutation(api.vectors.insertSlowly, { doc, ms: 1000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await search(query)).toEqual([]);
    const id = await slow;
    expect(await search(query)).toEqual([{ _id: id, _score: 1 }]);
  });
});

describe("errors, as Convex words them", () => {
  emptyTable();
  const vector = [1, 0, 0, 0, 0, 0, 0, 0];

  it("fail the action as an uncaught error", async () => {
    expect(await errorOf(search([1, 0, 0]))).toMatch(
      /^\[Request ID: [0-9a-f]+\] Server Error\nUncaught Error: Expected a vector with dimensions 8, received 3\.\n/,
    );
    // The client's own check, before any syscall.
    expect(await errorOf(search([]))).toContain("Uncaught Error: `vector` must be a non-empty Array in vectorSearch");
  });

  it("a vector of the wrong length, one too long, one of non-numbers; a bad limit", async () => {
    expect(
      await errorsOf([
        { vector: [1, 0, 0] },
        { vector: new Array<number>(4097).fill(1) },
        { vector: [1, "x", 0, 0, 0, 0, 0, 0] },
        { vector, limit: -1 },
        { vector, limit: 1.5 },
      ]),
    ).toEqual([
      "Expected a vector with dimensions 8, received 3.",
      "Expected a vector with dimensions 4096, received 4097.",
      "`vector` must be an array of numbers in vectorSearch",
      "`limit` must be a non-negative integer in vectorSearch, got -1",
      "`limit` must be a non-negative integer in vectorSearch, got 1.5",
    ]);
  });

  it("a filter on a field that is not a filter field, and too many conditions", async () => {
    const many = Array.from({ length: 65 }, (_, i) => ({ field: "rank", value: i }));
    // The same value twice counts once.
    const twice = Array.from({ length: 65 }, () => ({ field: "rank", value: 1 }));
    expect(
      await errorsOf([
        { vector, filter: [{ field: "embedding", value: 1 }] },
        { vector, filter: many, or: true },
        { vector, filter: twice, or: true },
      ]),
    ).toEqual([
      'Vector query against vectors.by_embedding contains a filter on "embedding" but that field isn\'t indexed for filtering in `filterFields`.',
      "Vector query against vectors.by_embedding has too many conditions. Max: 64 Actual: 65",
      "found 0",
    ]);
  });

  it("an index that is missing, staged, or not a vector index; a table that does not exist", async () => {
    const notVector = ["by_owner", "search_owner", "by_id", "by_creation_time"];
    expect(
      await errorsOf([
        { vector, index: "nope" },
        // Staged comes first: its vector is of the wrong length too.
        { vector, index: "by_embedding_staged" },
        ...notVector.map((index) => ({ vector, index })),
        { vector, table: "neverWritten", index: "whatever" },
        // Index names are `table.index`, each an identifier.
        { vector, index: "by.embedding" },
        { vector, table: "other/vectors" },
      ]),
    ).toEqual([
      "Index vectors.nope not found.",
      "Index vectors.by_embedding_staged is currently staged and not available to query until it is enabled.",
      ...notVector.map((index) => `Index vectors.${index} is not a vector index`),
      "found 0",
      "Too many components in index name vectors.by.embedding",
      'Invalid table name: "other/vectors". Identifiers must start with a letter and can only contain letters, digits, and underscores.',
    ]);
  });

  it("a staged index of any kind is not queryable", async () => {
    for (const [search, index] of [
      [false, "by_group_staged"],
      [true, "search_group_staged"],
    ] as const) {
      expect(await errorOf(fixture.http.query(api.vectors.queryStagedIndex, { search }))).toContain(
        `Uncaught Error: Index vectors.${index} is currently staged and not available to query until it is enabled.`,
      );
    }
  });

  it("the syscall is an action's: a query reaching for it is refused", async () => {
    expect(await errorOf(fixture.http.query(api.vectors.searchFromQuery, {}))).toContain(
      "Uncaught Error: Unknown async operation 1.0/actions/vectorSearch",
    );
  });
});

/** The schema JSON a `convex/schema.ts` exports. */
function schemaJson(tables: Parameters<typeof defineSchema>[0], options?: { schemaValidation?: boolean }): SchemaJson {
  // `export()` is what the CLI pushes (internal to the `convex` package's types).
  const schema = defineSchema(tables, options) as unknown as { export(): string };
  return JSON.parse(schema.export()) as SchemaJson;
}

function schemaError(schema: SchemaJson): string {
  try {
    checkSchemaNames(schema);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return "accepted";
}

describe("vectorIndex in the schema, checked as a Convex push checks it", () => {
  const doc = { text: v.string(), embedding: v.array(v.float64()), tag: v.optional(v.string()) };
  const index = (config: { vectorField?: string; dimensions?: number; filterFields?: string[] }, name = "by_embedding") =>
    schemaError(
      schemaJson({
        t: defineTable(doc).vectorIndex(name, {
          vectorField: (config.vectorField ?? "embedding") as "embedding",
          dimensions: config.dimensions ?? 1536,
          filterFields: (config.filterFields ?? []) as "tag"[],
        }),
      }),
    );

  it("dimensions from 2 to 4096", () => {
    expect(index({ dimensions: 2 })).toBe("accepted");
    expect(index({ dimensions: 4096 })).toBe("accepted");
    expect(index({ dimensions: 1 })).toBe('InvalidVectorDimensionError: In table "t": Dimensions 1 must be between 2 and 4096.');
    expect(index({ dimensions: 4097 })).toBe(
      'InvalidVectorDimensionError: In table "t": Dimensions 4097 must be between 2 and 4096.',
    );
  });

  it("names and fields", () => {
    expect(index({}, "a-b")).toBe(
      'InvalidIndexName: In table "t": Invalid index name: "a-b". Identifiers must be 64 characters or less, start with a letter, and only contain letters, digits, underscores.',
    );
    expect(index({ filterFields: ["x-y"] })).toBe(
      'InvalidIndexField: In table "t": In index "by_embedding": Invalid index field: "x-y"',
    );
    expect(index({}, "by_id")).toMatch(/^IndexNameReserved: In table "t" cannot name an index "by_id"/);
  });

  it("at most 16 filter fields", () => {
    const fields = Array.from({ length: 17 }, (_, i) => `f${i}`);
    const tooMany = schemaJson({
      t: defineTable(v.any()).vectorIndex("v", { vectorField: "e", dimensions: 4, filterFields: fields }),
    });
    expect(schemaError(tooMany)).toBe('IndexTooManyFilterFields: In table "t": Search indexes may have up to 16 filter fields.');
    const sixteen = schemaJson({
      t: defineTable(v.any()).vectorIndex("v", { vectorField: "e", dimensions: 4, filterFields: fields.slice(0, 16) }),
    });
    expect(schemaError(sixteen)).toBe("accepted");
  });

  it("one vector index per field and dimensions, staged ones included", () => {
    const twice = schemaJson({
      t: defineTable(doc)
        .vectorIndex("b", { vectorField: "embedding", dimensions: 4 })
        .vectorIndex("a", { vectorField: "embedding", dimensions: 4, staged: true }),
    });
    expect(schemaError(twice)).toBe(
      'VectorIndexFieldNotUnique: In table "t" vector index "b" and vector index "a" have the same `vectorField`. Vector index fields must be unique within a table. You should combine the\n             indexes with the same `vectorField` into one index containing all `filterField`s and then use different subsets of the `filterField`s at query time.',
    );
    const otherDimensions = schemaJson({
      t: defineTable(doc)
        .vectorIndex("b", { vectorField: "embedding", dimensions: 4 })
        .vectorIndex("a", { vectorField: "embedding", dimensions: 8 }),
    });
    expect(schemaError(otherDimensions)).toBe("accepted");
  });

  it("with schema validation, a field that can hold an array of float64", () => {
    expect(index({ vectorField: "text" })).toBe(
      'SchemaDefinitionError: In table "t" the vector index "by_embedding" is invalid because it references the field "text" that is neither an array of float64 or optional array of float64.',
    );
    expect(index({ vectorField: "missing" })).toBe(
      'SchemaDefinitionError: In table "t" the index "by_embedding" is invalid because it references the field "missing" that does not exist.',
    );
    const optional = schemaJson({
      t: defineTable({ e: v.optional(v.union(v.array(v.float64()), v.null())) }).vectorIndex("v", {
        vectorField: "e",
        dimensions: 4,
      }),
    });
    expect(schemaError(optional)).toBe("accepted");
    const unvalidated = schemaJson(
      { t: defineTable(doc).vectorIndex("v", { vectorField: "text", dimensions: 4 }) },
      { schemaValidation: false },
    );
    expect(schemaError(unvalidated)).toBe("accepted");
  });

  it("refuses such a schema when the functions load", async () => {
    // Inside the project (git-ignored .local/) so the schema resolves node_modules.
    const local = fileURLToPath(new URL("../../.local", import.meta.url));
    await mkdir(local, { recursive: true });
    const root = await mkdtemp(join(local, "vector-schema-"));
    try {
      await mkdir(join(root, "convex"));
      await writeFile(
        join(root, "convex", "schema.ts"),
        `import { defineSchema, defineTable } from "convex/server";\nimport { v } from "convex/values";\n` +
          `export default defineSchema({ t: defineTable({ e: v.array(v.float64()) }).vectorIndex("v", { vectorField: "e", dimensions: 5000 }) });\n`,
      );
      await expect(startTestBackend({ functionsDir: join(root, "convex"), dataDir: join(root, "data") })).rejects.toThrow(
        'InvalidVectorDimensionError: In table "t": Dimensions 5000 must be between 2 and 4096.',
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
