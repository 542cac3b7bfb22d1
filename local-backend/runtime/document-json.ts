/**
 * Documents as functions read them, as JSON text, kept for the documents read most recently.
 * Every read used to convert and serialize its document again; the aggregate's B-tree nodes
 * behind the list's counts (~1.5 kB each, ~250 reads per counts query) were read over and over.
 * A stored document is never changed in place (a write stores a new object), so an object's text
 * stays right for as long as the object is kept. The cache holds at most `maxBytes` of text, so
 * reading a whole table (an export) does not grow the backend by the table's size.
 */
import { convexToJson } from "convex/values";
import type { Doc } from "../database/values";

export class DocumentJsonCache {
  /** Least recently read first (a Map keeps insertion order; a hit moves its entry last). */
  private readonly texts = new Map<Doc, string>();
  private bytes = 0;

  constructor(
    /** How a stored document looks to a function (system fields it may not see removed). */
    private readonly visible: (doc: Doc) => Doc,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  /** The document's JSON text, as `JSON.stringify(convexToJson(visible(doc)))` writes it. */
  text(doc: Doc): string {
    const cached = this.texts.get(doc);
    if (cached !== undefined) {
      this.texts.delete(doc);
      this.texts.set(doc, cached);
      return cached;
    }
    const text = JSON.stringify(convexToJson(this.visible(doc)));
    // A string's length counts UTF-16 units: two bytes each, as V8 may store it.
    const size = text.length * 2;
    if (size > this.maxBytes) return text;
    this.texts.set(doc, text);
    this.bytes += size;
    for (const [oldest, oldText] of this.texts) {
      if (this.bytes <= this.maxBytes) break;
      this.texts.delete(oldest);
      this.bytes -= oldText.length * 2;
    }
    return text;
  }

  /** Documents whose text is kept (for tests). */
  get size(): number {
    return this.texts.size;
  }
}
