/**
 * Issue 12 item 12: text search ranks as Convex does (BM25 over the search field: term
 * frequency, field length and term rarity; a prefix match of the last term counts half; ties
 * newest first), and a filtered, paginated search reports `isDone` as Convex does.
 */
import type { PaginationResult } from "convex/server";
import { describe, expect, it } from "vitest";
import type { Doc } from "./fixtures/convex/_generated/dataModel";
import { api } from "./fixtures/convex/_generated/api";
import { fixtureBackend } from "./helpers";

const fixture = fixtureBackend();

/** Adds documents in this order (oldest first) whose search text is exactly `text`. */
async function addTexts(owner: string, texts: string[]): Promise<void> {
  for (const text of texts) await fixture.http.mutation(api.contacts.addText, { owner, name: text });
}

async function ranked(owner: string, term: string): Promise<string[]> {
  const result: PaginationResult<Doc<"contacts">> = await fixture.http.query(api.contacts.searchPage, {
    owner,
    term,
    paginationOpts: { numItems: 50, cursor: null },
  });
  return result.page.map((c) => c.name);
}

describe("search ranking (BM25)", () => {
  it("ranks a shorter field above a longer one with the same match", async () => {
    await addTexts("bm-len", ["apple", "apple banana cherry date elder"]);
    expect(await ranked("bm-len", "apple")).toEqual(["apple", "apple banana cherry date elder"]);
  });

  it("ranks more occurrences of a term higher", async () => {
    await addTexts("bm-tf", ["apple apple pie", "apple tart pie"]);
    expect(await ranked("bm-tf", "apple")).toEqual(["apple apple pie", "apple tart pie"]);
  });

  it("weighs rare terms above common ones, and sums over the query's terms", async () => {
    await addTexts("bm-idf", ["kiwi common", "mango common", "common filler", "common other", "kiwi mango"]);
    expect(await ranked("bm-idf", "kiwi mango")).toEqual(["kiwi mango", "mango common", "kiwi common"]);
  });

  it("counts a prefix match of the last term below an exact match", async () => {
    await addTexts("bm-prefix", ["apple", "app"]);
    expect(await ranked("bm-prefix", "app")).toEqual(["app", "apple"]);
  });

  it("breaks ties newest first", async () => {
    await addTexts("bm-tie", ["same words here", "same words here", "same words here"]);
    const all = await fixture.http.query(api.contacts.listByOwner, { owner: "bm-tie" });
    const newestFirst = [...all].sort((a, b) => b._creationTime - a._creationTime).map((c) => c._id);
    const result: PaginationResult<Doc<"contacts">> = await fixture.http.query(api.contacts.searchPage, {
      owner: "bm-tie",
      term: "words",
      paginationOpts: { numItems: 50, cursor: null },
    });
    expect(result.page.map((c) => c._id)).toEqual(newestFirst);
  });
});

describe("filtered, paginated search", () => {
  it("walks every match once and says isDone on the last page, as Convex does", async () => {
    for (let i = 0; i < 8; i++) {
      await fixture.http.mutation(api.contacts.add, {
        owner: "sf",
        name: `Pear ${i}`,
        email: "x",
        status: i % 2 ? "active" : "lead",
        score: i,
      });
    }
    // Matches: active (1, 3, 5, 7) with score >= 3 → 3, 5, 7 (newest first on equal scores).
    const walk = async (numItems: number) => {
      const pages: { names: string[]; isDone: boolean }[] = [];
      let cursor: string | null = null;
      for (let n = 0; n < 10; n++) {
        const r: PaginationResult<Doc<"contacts">> = await fixture.http.query(api.contacts.searchPageFiltered, {
          owner: "sf",
          term: "pear",
          status: "active",
          minScore: 3,
          paginationOpts: { numItems, cursor },
        });
        pages.push({ names: r.page.map((c) => c.name), isDone: r.isDone });
        if (r.isDone) break;
        cursor = r.continueCursor;
      }
      return pages;
    };
    expect(await walk(2)).toEqual([
      { names: ["Pear 7", "Pear 5"], isDone: false },
      { names: ["Pear 3"], isDone: true },
    ]);
    expect(await walk(3)).toEqual([
      { names: ["Pear 7", "Pear 5", "Pear 3"], isDone: false },
      { names: [], isDone: true },
    ]);
    expect(await walk(10)).toEqual([{ names: ["Pear 7", "Pear 5", "Pear 3"], isDone: true }]);
  });
});
