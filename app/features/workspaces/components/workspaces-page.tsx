import { useSuspenseQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import type { PendingInvitation } from "../../../../convex/workspaces";
import { ErrorMessage } from "../../../components/error-message";
import { TextField } from "../../../components/text-field";
import { toUserFacingError } from "../../../lib/convex-errors";
import { formText } from "../../../lib/form-data";
import { ROLE_LABELS } from "../format";
import { useAcceptInvitation, useCreateWorkspace, useDeclineInvitation, workspaceQueries } from "../queries";

/** The caller's workspaces, invitations waiting for them, and a form to start a team. */
export function WorkspacesPage() {
  const { data: workspaces } = useSuspenseQuery(workspaceQueries.list());
  const { data: invitations } = useSuspenseQuery(workspaceQueries.invitations());
  const teams = workspaces.filter((workspace) => workspace.kind === "team");
  return (
    <section className="stack">
      <h1>Workspaces</h1>
      {invitations.length > 0 ? (
        <div className="card" data-testid="invitations">
          <h2>Invitations</h2>
          <ul className="plain-list">
            {invitations.map((invitation) => (
              <InvitationRow key={invitation._id} invitation={invitation} />
            ))}
          </ul>
        </div>
      ) : null}
      <div className="card">
        <h2>Your workspaces</h2>
        <ul className="plain-list" data-testid="workspace-list">
          <li>
            <Link to="/customers" search={{ workspace: undefined }}>
              Personal
            </Link>{" "}
            <span className="muted">only you</span>
          </li>
          {teams.map((team) => (
            <li key={team._id}>
              <Link to="/customers" search={{ workspace: team._id }}>
                {team.name}
              </Link>{" "}
              <span className="muted">{ROLE_LABELS[team.role]}</span>{" "}
              <Link to="/workspaces/$workspaceId" params={{ workspaceId: team._id }}>
                Members and settings
              </Link>
            </li>
          ))}
        </ul>
      </div>
      <CreateTeamForm />
    </section>
  );
}

function InvitationRow({ invitation }: { invitation: PendingInvitation }) {
  const accept = useAcceptInvitation();
  const decline = useDeclineInvitation();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const busy = accept.isPending || decline.isPending;
  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
    } catch (cause) {
      setError(toUserFacingError(cause).message);
    }
  }
  return (
    <li data-testid="invitation">
      <strong>{invitation.workspaceName}</strong> as {ROLE_LABELS[invitation.role].toLowerCase()}, from {invitation.invitedBy}{" "}
      {invitation.expired ? (
        <>
          <span className="badge" data-testid="invitation-expired">
            Expired
          </span>{" "}
          <span className="muted">Ask {invitation.invitedBy} to invite you again.</span>{" "}
        </>
      ) : (
        <>
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() =>
              run(async () => {
                const workspaceId = await accept.mutateAsync({ invitationId: invitation._id });
                await navigate({ to: "/customers", search: { workspace: workspaceId } });
              })
            }
          >
            Accept
          </button>{" "}
        </>
      )}
      <button
        type="button"
        className="button button-secondary"
        disabled={busy}
        onClick={() => run(() => decline.mutateAsync({ invitationId: invitation._id }))}
      >
        {invitation.expired ? "Dismiss" : "Decline"}
      </button>
      <ErrorMessage>{error}</ErrorMessage>
    </li>
  );
}

function CreateTeamForm() {
  const create = useCreateWorkspace();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const name = formText(new FormData(event.currentTarget), "name");
    try {
      const workspaceId = await create.mutateAsync({ name });
      await navigate({ to: "/workspaces/$workspaceId", params: { workspaceId } });
    } catch (cause) {
      const problem = toUserFacingError(cause);
      setError(problem.fields.name ?? problem.message);
    }
  }
  return (
    <form className="card form" onSubmit={onSubmit} noValidate>
      <h2>Create a team</h2>
      <TextField label="Team name" name="name" required maxLength={80} error={error} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create team"}
        </button>
      </div>
    </form>
  );
}
