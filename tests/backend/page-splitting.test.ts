/**
 * Issue 12 item 6: page-splitting hints as Convex's `queryPage` gives them and the client uses
 * them. `maximumRowsRead` / `maximumBytesRead` end a page early with `SplitRequired`; a page that
 * read more than 3/4 of its limit says `SplitRecommended`; `splitCursor` is the middle of what
 * the page read (convex-backend's IndexRange), so `ConvexClient`'s paginated queries split a
 * page that grew too large into two.
 */
import { ConvexClient } from "convex/browser";
import type { FunctionArgs, PaginationResult } from "convex/server";
import { beforeAll, describe, expect, it } from "vitest";
import type { Doc } from "./fixtures/convex/_generated/dataModel";
import { api } from "./fixtures/convex/_generated/api";
import { fixtureBackend, waitFor } from "./helpers";

const fixture = fixtureBackend();
const NAMES = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

beforeAll(async () => {
  await fixture.http.mutation(api.contacts.addMany, { owner: "split", names: NAMES });
});

type Page = PaginationResult<Doc<"contacts">>;
const names = (page: Page) => page.page.map((c) => c.name);

function page(opts: {
  numItems: number;
  cursor?: string | null;
  endCursor?: string | null;
  maximumRowsRead?: number;
  maximumBytesRead?: number;
}): Promise<Page> {
  return fixture.http.query(api.contacts.page, { owner: "split", paginationOpts: { cursor: null, ...opts } });
}

describe("page-splitting hints over HTTP", () => {
  it("ends a page at maximumRowsRead with SplitRequired, and the rest follows from continueCursor", async () => {
    const first = await page({ numItems: 10, maximumRowsRead: 3 });
    expect(names(first)).toEqual(["a", "b", "c"]);
    expect(first.pageStatus).toBe("SplitRequired");
    expect(first.isDone).toBe(false);
    const rest = await page({ numItems: 10, cursor: first.continueCursor });
    expect(names(rest)).toEqual(NAMES.slice(3));
    expect(rest.isDone).toBe(true);
    // The split point is the middle of the three rows read: the page splits into [a, b] and [c].
    expect(first.splitCursor).toEqual(expect.any(String));
    const left = await page({ numItems: 10, endCursor: first.splitCursor! });
    const right = await page({ numItems: 10, cursor: first.splitCursor!, endCursor: first.continueCursor });
    expect([names(left), names(right)]).toEqual([["a", "b"], ["c"]]);
  });

  it("ends a page at maximumBytesRead, after at least one row", async () => {
    const first = await page({ numItems: 10, maximumBytesRead: 1 });
    expect(names(first)).toEqual(["a"]);
    expect(first.pageStatus).toBe("SplitRequired");
    expect(names(await page({ numItems: 2, cursor: first.continueCursor }))).toEqual(["b", "c"]);
  });

  it("recommends a split when a full page read more than 3/4 of its limit", async () => {
    const full = await page({ numItems: 4, maximumRowsRead: 5 });
    expect(names(full)).toEqual(["a", "b", "c", "d"]);
    expect(full.pageStatus).toBe("SplitRecommended");
    expect(full.isDone).toBe(false);
    const roomy = await page({ numItems: 4, maximumRowsRead: 100 });
    expect(roomy.pageStatus).toBeNull();
    // Convex gives a split point for any page that read more than two rows.
    expect(roomy.splitCursor).toEqual(expect.any(String));
    expect((await page({ numItems: 2 })).splitCursor).toBeNull();
  });

  it("counts rows a filter dropped as read", async () => {
    for (const [i, name] of ["a", "b", "c", "d", "e", "f"].entries()) {
      await fixture.http.mutation(api.contacts.add, { owner: "split-f", name, email: "x", status: i % 2 ? "active" : "lead" });
    }
    const filtered = await fixture.http.query(api.contacts.pageByStatus, {
      owner: "split-f",
      status: "active",
      paginationOpts: { numItems: 10, cursor: null, maximumRowsRead: 4 },
    });
    expect(names(filtered)).toEqual(["b", "d"]);
    expect(filtered.pageStatus).toBe("SplitRequired");
  });

  it("ignores the read limits on a page with a fixed end, and refuses a limit of 0", async () => {
    const whole = await page({ numItems: 10, maximumRowsRead: 2, endCursor: (await page({ numItems: 6 })).continueCursor });
    expect(names(whole)).toEqual(NAMES.slice(0, 6));
    await expect(page({ numItems: 10, maximumRowsRead: 0 })).rejects.toThrow(
      "maximumRowsRead and maximumBytesRead must be greater than 0",
    );
  });
});

describe("page splitting in ConvexClient's paginated queries", () => {
  it("splits a subscribed page that grew past twice its size at the splitCursor", async () => {
    const sent: Record<string, unknown>[] = [];
    class RecordingWebSocket extends WebSocket {
      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
        if (typeof data === "string") sent.push(JSON.parse(data) as Record<string, unknown>);
        super.send(data);
      }
    }
    await fixture.http.mutation(api.contacts.addMany, { owner: "grow", names: ["b", "d", "f", "h"] });
    const client = new ConvexClient(fixture.backend.url, { webSocketConstructor: RecordingWebSocket });
    const seen: string[][] = [];
    // The experimental API types its args with paginationOpts, which it supplies itself.
    const args = { owner: "grow" } as FunctionArgs<typeof api.contacts.page>;
    const subscription = client.onPaginatedUpdate_experimental(api.contacts.page, args, { initialNumItems: 2 }, (result) => {
      seen.push((result as unknown as { results: Doc<"contacts">[] }).results.map((c) => c.name));
    });
    await waitFor(() => seen.at(-1)?.join() === "b,d", 5000, "the first page");
    // Three rows inside the first page's pinned range: it grows to 5 rows, more than 2 × 2.
    await fixture.http.mutation(api.contacts.addMany, { owner: "grow", names: ["c1", "c2", "c3"] });
    const splitRequests = () =>
      sent
        .flatMap((m) =>
          m.type === "ModifyQuerySet"
            ? (m.modifications as { type: string; args?: { paginationOpts?: { endCursor?: string } }[] }[])
            : [],
        )
        .filter((mod) => mod.type === "Add" && typeof mod.args?.[0]?.paginationOpts?.endCursor === "string");
    await waitFor(() => splitRequests().length >= 2, 5000, "the client to split the page");
    await waitFor(() => seen.at(-1)?.join() === "b,c1,c2,c3,d", 5000, "the rows of both halves");
    subscription.unsubscribe();
    await client.close();
  });
});
