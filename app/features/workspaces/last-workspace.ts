/**
 * "The workspace used last": a plain cookie the browser writes whenever a customers page shows
 * a workspace. Only a full page load of `/customers` (a bookmark, the landing after sign-in)
 * reads it, on the server; in-app links always name their workspace. Not a secret: the server
 * checks membership before using it.
 */
export const LAST_WORKSPACE_COOKIE = "clientele_workspace";
export const PERSONAL = "personal";

export function rememberWorkspace(workspaceId: string | undefined): void {
  document.cookie = `${LAST_WORKSPACE_COOKIE}=${workspaceId ?? PERSONAL}; path=/; max-age=31536000; samesite=lax`;
}
