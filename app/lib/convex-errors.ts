import { notFound } from "@tanstack/react-router";
import { ConvexError } from "convex/values";
import { isChunkLoadError, isOffline, STALE_BUILD_ERROR } from "./stale-build";

export interface UserFacingError {
  message: string;
  /** Field-level messages, keyed by field name, when the server rejected specific fields. */
  fields: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** How Convex opens a function's failure; its text and stack frames never mean the network failed. */
const SERVER_ERROR = /^\[Request ID: [^\]]*\] Server Error/;
const SAVE_FAILED = "Something went wrong; your change was not saved. Please try again.";

/** Turns whatever a mutation (or a page's loader) threw into a message a user understands. */
export function toUserFacingError(error: unknown, fallback = SAVE_FAILED): UserFacingError {
  if (error instanceof ConvexError && isRecord(error.data)) {
    const { message, fields } = error.data;
    return {
      message: typeof message === "string" ? message : "The server rejected this change.",
      fields: isRecord(fields)
        ? Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === "string"))
        : {},
    };
  }
  // Before the network check: Chromium words it "Failed to fetch dynamically imported module".
  // Offline, the same failure is the network's, and the network check below says so.
  if (isChunkLoadError(error) && !isOffline()) return { message: STALE_BUILD_ERROR, fields: {} };
  if (
    error instanceof Error &&
    !SERVER_ERROR.test(error.message) &&
    /network|connection|fetch|ECONNREFUSED/i.test(error.message)
  ) {
    return { message: "Could not reach the server. Check your connection and try again.", fields: {} };
  }
  return { message: fallback, fields: {} };
}

/** A Convex function's NOT_FOUND: a missing record, or one in a workspace the caller is not a member of. */
export function isNotFoundError(error: unknown): boolean {
  return error instanceof ConvexError && isRecord(error.data) && error.data.code === "NOT_FOUND";
}

/** Awaits a loader's Convex data; NOT_FOUND (not a member of the workspace) becomes the route's 404. */
export async function orNotFound<T>(load: Promise<T>): Promise<T> {
  try {
    return await load;
  } catch (error) {
    if (isNotFoundError(error)) throw notFound();
    throw error;
  }
}
