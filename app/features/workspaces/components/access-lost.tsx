import { Link } from "@tanstack/react-router";

/** Shown in place of a team's pages the moment the viewer stops being a member (removed, left, deleted). */
export function AccessLost() {
  return (
    <section className="card" role="alert" data-testid="workspace-access-lost">
      <h1>You no longer have access to this workspace</h1>
      <p>An admin removed you from it, or it was deleted. Its customers are no longer shown.</p>
      <Link to="/customers" search={{ workspace: undefined }}>
        Go to your personal workspace
      </Link>
    </section>
  );
}

/** A `?workspace=` that does not exist or that the viewer is not a member of: one answer for both. */
export function WorkspaceNotFound() {
  return (
    <section className="card">
      <h1>Not found</h1>
      <p>This workspace does not exist, or you are not a member of it.</p>
      <Link to="/customers" search={{ workspace: undefined }}>
        Go to your personal workspace
      </Link>
    </section>
  );
}
