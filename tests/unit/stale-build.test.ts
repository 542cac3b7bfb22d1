import { afterEach, describe, expect, it, vi } from "vitest";
import { isChunkGone } from "../../app/lib/stale-build";

const failedImport = (url: string) => new TypeError(`Failed to fetch dynamically imported module: ${url}`);
const CHUNK = "http://localhost:3000/assets/workspaces-CEvxNrkg.js";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("isChunkGone", () => {
  it("asks the server for the chunk again, without the cache: 404 and 410 mean a new build", async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 404 }));
    vi.stubGlobal("fetch", fetch);
    expect(await isChunkGone(failedImport(CHUNK))).toBe(true);
    expect(fetch).toHaveBeenCalledWith(CHUNK, { method: "HEAD", cache: "no-store" });
    fetch.mockResolvedValueOnce(new Response(null, { status: 410 }));
    expect(await isChunkGone(failedImport(CHUNK))).toBe(true);
  });

  it("a chunk still served, a server error or a failed request is not a new build", async () => {
    for (const answer of [() => new Response(null, { status: 200 }), () => new Response(null, { status: 503 })]) {
      vi.stubGlobal(
        "fetch",
        vi.fn(async () => answer()),
      );
      expect(await isChunkGone(failedImport(CHUNK))).toBe(false);
    }
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    expect(await isChunkGone(failedImport(CHUNK))).toBe(false);
  });

  it("offline, or for another kind of error, it asks nothing and says no", async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 404 }));
    vi.stubGlobal("fetch", fetch);
    expect(await isChunkGone(new Error("boom"))).toBe(false);
    vi.stubGlobal("navigator", { onLine: false });
    expect(await isChunkGone(failedImport(CHUNK))).toBe(false);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("without an address in the message (Safari's wording) it cannot ask, and takes it for a new build", async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    expect(await isChunkGone(new TypeError("Importing a module script failed."))).toBe(true);
    expect(fetch).not.toHaveBeenCalled();
  });
});
