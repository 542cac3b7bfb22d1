import { convexToJson } from "convex/values";
import { describe, expect, it } from "vitest";
import { DocumentJsonCache } from "../../local-backend/runtime/document-json";
import type { Doc } from "../../local-backend/database/values";

const withoutHidden = (doc: Doc): Doc => Object.fromEntries(Object.entries(doc).filter(([key]) => key !== "_hidden"));

describe("DocumentJsonCache", () => {
  it("writes what serializing the visible document writes, Convex's special values included", () => {
    const cache = new DocumentJsonCache(withoutHidden);
    const doc: Doc = {
      _id: "abc",
      _creationTime: 1_700_000_000_000.5,
      _hidden: "backend only",
      count: 12n,
      bytes: new Uint8Array([1, 2, 3]).buffer,
      nested: { list: [1, "two", null, { deep: true }] },
      text: 'quote " and line\nbreak',
    };
    expect(cache.text(doc)).toBe(JSON.stringify(convexToJson(withoutHidden(doc))));
    expect(JSON.parse(cache.text(doc))).not.toHaveProperty("_hidden");
  });

  it("serializes a document once however often it is read, and a new version again", () => {
    let serialized = 0;
    const cache = new DocumentJsonCache((doc) => {
      serialized++;
      return doc;
    });
    const first: Doc = { _id: "a", name: "Ada" };
    cache.text(first);
    cache.text(first);
    expect(serialized).toBe(1);
    // A write stores a new object: its text is its own.
    const second: Doc = { ...first, name: "Ada Lovelace" };
    expect(JSON.parse(cache.text(second))).toMatchObject({ name: "Ada Lovelace" });
    expect(JSON.parse(cache.text(first))).toMatchObject({ name: "Ada" });
    expect(serialized).toBe(2);
  });

  it("keeps at most its byte budget, dropping the documents read least recently", () => {
    const doc = (i: number): Doc => ({ _id: `id${i}`, padding: "x".repeat(40) });
    const size = JSON.stringify(convexToJson(doc(0))).length * 2;
    let serialized = 0;
    const counting = new DocumentJsonCache((d) => (serialized++, d), size * 3);
    const docs = [0, 1, 2, 3].map(doc);
    for (const d of docs.slice(0, 3)) counting.text(d);
    counting.text(docs[0]!); // read again: now the most recent
    counting.text(docs[3]!); // over budget: docs[1], the least recently read, goes
    expect(counting.size).toBe(3);
    serialized = 0;
    counting.text(docs[0]!);
    counting.text(docs[2]!);
    counting.text(docs[3]!);
    expect(serialized).toBe(0);
    counting.text(docs[1]!);
    expect(serialized).toBe(1);
  });

  it("does not keep a document larger than its whole budget", () => {
    const cache = new DocumentJsonCache((d) => d, 100);
    const big: Doc = { _id: "big", text: "y".repeat(200) };
    expect(cache.text(big)).toContain("yyyy");
    expect(cache.size).toBe(0);
  });
});
