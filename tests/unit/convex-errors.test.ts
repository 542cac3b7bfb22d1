import { ConvexError } from "convex/values";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toUserFacingError } from "../../app/lib/convex-errors";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("toUserFacingError", () => {
  it("shows the server's message and field messages from a ConvexError", () => {
    const error = new ConvexError({
      code: "INVALID_INPUT",
      message: "Please fix the highlighted fields.",
      fields: { email: "Enter a valid email address", bogus: 3 },
    });
    expect(toUserFacingError(error)).toEqual({
      message: "Please fix the highlighted fields.",
      fields: { email: "Enter a valid email address" },
    });
  });

  it("says the server is unreachable when the network failed", () => {
    expect(toUserFacingError(new TypeError("fetch failed")).message).toMatch(/Could not reach the server/);
  });

  it("never takes a function's failure for a lost connection, whatever its text or stack frames say", () => {
    const failed = new Error(
      "[Request ID: 5b7c0d3e9f1a2b4c] Server Error\nUncaught Error: boom\n    at fetchCompany (../convex/customers.ts:12:9)\n",
    );
    expect(toUserFacingError(failed).message).toMatch(/your change was not saved/);
    expect(toUserFacingError(new Error("[Request ID: 1] Server Error\nUncaught Error: network quota")).message).toMatch(
      /not saved/,
    );
  });

  it("says to reload when the page's code is gone after a redeploy, in each browser's wording, not that the network failed", () => {
    for (const message of [
      "Failed to fetch dynamically imported module: http://localhost:3000/assets/serverFnFetcher-DJZwhCmj.js",
      "error loading dynamically imported module: http://localhost:3000/assets/clerk-ui-DCBFCcXo.js",
      "Importing a module script failed.",
      "Unable to preload CSS for /assets/app-BTwA9mjR.css",
    ]) {
      expect(toUserFacingError(new TypeError(message)).message).toBe(
        "Clientele was updated while this page was open. Reload the page to continue.",
      );
    }
  });

  it("offline, a chunk that did not load is the network's failure, not a new version", () => {
    vi.stubGlobal("navigator", { onLine: false });
    const error = new TypeError("Failed to fetch dynamically imported module: http://localhost:3000/assets/x-1.js");
    expect(toUserFacingError(error).message).toMatch(/Could not reach the server/);
  });

  it("never shows an internal message; the caller's fallback instead", () => {
    expect(toUserFacingError(new Error("Cannot read properties of undefined")).message).toMatch(/your change was not saved/);
    expect(toUserFacingError(new Error("boom"), "The page could not be loaded.").message).toBe("The page could not be loaded.");
  });
});
