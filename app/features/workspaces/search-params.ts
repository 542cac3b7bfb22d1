import type { SearchSchemaInput } from "@tanstack/react-router";

/**
 * `?workspace=<id>` on every customers page: the team workspace it shows (absent: the personal
 * workspace), so a URL opens the same page for every member. Whether the caller is a member is
 * checked by the route against `workspaces:list`; here only the shape of a Convex id.
 */
export interface WorkspaceSearch {
  workspace?: string;
}

const ID_SHAPE = /^[0-9a-z]{16,64}$/;
/** What a malformed `?workspace=` reads as: the route answers 404 for it. */
export const INVALID_WORKSPACE = "invalid";

export function parseWorkspaceSearch(input: { workspace?: unknown }): WorkspaceSearch {
  const { workspace } = input;
  if (workspace === undefined) return {};
  // A malformed value stays, so the route answers "not found" instead of silently showing another workspace.
  return { workspace: typeof workspace === "string" && ID_SHAPE.test(workspace) ? workspace : INVALID_WORKSPACE };
}

export const validateWorkspaceSearch = (search: WorkspaceSearch & SearchSchemaInput) => parseWorkspaceSearch(search);
