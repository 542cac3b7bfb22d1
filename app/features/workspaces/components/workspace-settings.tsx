import { useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useId, useState } from "react";
import type { Id } from "../../../../convex/_generated/dataModel";
import type { WorkspaceRole } from "../../../../convex/schema";
import type { Member, SentInvitation, WorkspaceSummary } from "../../../../convex/workspaces";
import { toUserFacingError } from "../../../lib/convex-errors";
import { ROLE_LABELS } from "../format";
import {
  findWorkspace,
  useInvite,
  useLeaveWorkspace,
  useRemoveMember,
  useRemoveWorkspace,
  useRenameWorkspace,
  useSetRole,
  useWithdrawInvitation,
  workspaceQueries,
} from "../queries";
import { ConfirmDialog } from "../../../components/confirm-dialog";
import { TextField } from "../../../components/text-field";
import { AccessLost } from "./access-lost";
import { useAction } from "./use-action";
import { WebToLeadSettings } from "./web-to-lead-settings";
import { formText } from "../../../lib/form-data";

/** A team's members, invitations and settings; admins manage, members see and can leave. */
export function WorkspaceSettings({ workspaceId }: { workspaceId: Id<"workspaces"> }) {
  const { data: workspaces } = useSuspenseQuery(workspaceQueries.list());
  const workspace = findWorkspace(workspaces, workspaceId);
  // Removed or deleted while open: the live list drops the workspace before anything else renders.
  if (!workspace) return <AccessLost />;
  return <Settings workspace={workspace} />;
}

function Settings({ workspace }: { workspace: WorkspaceSummary }) {
  const { data: members } = useSuspenseQuery(workspaceQueries.members(workspace._id));
  const isAdmin = workspace.role === "admin";
  return (
    <section className="stack">
      <header className="page-header">
        <h1>{workspace.name}</h1>
        <Link to="/customers" search={{ workspace: workspace._id }} className="button button-secondary">
          Open customers
        </Link>
      </header>
      <div className="card">
        <h2>Members</h2>
        <div className="table-wrap">
          <table className="table" data-testid="members-table">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                {isAdmin ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <MemberRow key={member.userId} workspace={workspace} member={member} canManage={isAdmin} />
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {isAdmin ? <SentInvitations workspaceId={workspace._id} /> : null}
      {isAdmin ? <InviteForm workspaceId={workspace._id} /> : null}
      {isAdmin ? <WebToLeadSettings workspaceId={workspace._id} /> : null}
      {isAdmin ? <RenameForm workspace={workspace} /> : null}
      <DangerZone workspace={workspace} />
    </section>
  );
}

function MemberRow({ workspace, member, canManage }: { workspace: WorkspaceSummary; member: Member; canManage: boolean }) {
  const setRole = useSetRole();
  const remove = useRemoveMember();
  const { run, pending, message } = useAction();
  const [confirming, setConfirming] = useState(false);
  const workspaceId = workspace._id;
  const label = member.email ?? member.userId;
  return (
    <tr data-testid="member-row">
      <td>{label}</td>
      <td>
        {canManage ? (
          <select
            aria-label={`Role of ${label}`}
            value={member.role}
            disabled={pending}
            onChange={(event) =>
              run(() => setRole.mutateAsync({ workspaceId, userId: member.userId, role: event.target.value as WorkspaceRole }))
            }
          >
            <option value="admin">{ROLE_LABELS.admin}</option>
            <option value="member">{ROLE_LABELS.member}</option>
          </select>
        ) : (
          ROLE_LABELS[member.role]
        )}
      </td>
      {canManage ? (
        <td>
          {confirming ? (
            <ConfirmDialog
              question={`Remove ${label} from ${workspace.name}? They lose access to its customers at once.`}
              confirmLabel="Yes, remove"
              busy={pending}
              onConfirm={() => {
                setConfirming(false);
                void run(() => remove.mutateAsync({ workspaceId, userId: member.userId }));
              }}
              onKeep={() => setConfirming(false)}
            />
          ) : (
            <button type="button" className="button button-secondary" disabled={pending} onClick={() => setConfirming(true)}>
              Remove {label}
            </button>
          )}
          {message}
        </td>
      ) : null}
    </tr>
  );
}

/**
 * Invitations not yet accepted or declined, for admins to withdraw. Not a suspense query: when
 * the viewer stops being an admin, this query fails a moment before the page drops the section.
 */
function SentInvitations({ workspaceId }: { workspaceId: Id<"workspaces"> }) {
  const { data: invitations } = useQuery(workspaceQueries.sentInvitations(workspaceId));
  if (!invitations || invitations.length === 0) return null;
  return (
    <div className="card">
      <h2>Invitations</h2>
      <div className="table-wrap">
        <table className="table" data-testid="invitations-table">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Invited by</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {invitations.map((invitation) => (
              <SentInvitationRow key={invitation._id} workspaceId={workspaceId} invitation={invitation} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function SentInvitationRow({ workspaceId, invitation }: { workspaceId: Id<"workspaces">; invitation: SentInvitation }) {
  const withdraw = useWithdrawInvitation();
  const invite = useInvite();
  const { run, pending, message } = useAction();
  return (
    <tr data-testid="invitation-row">
      <td>{invitation.email}</td>
      <td>{ROLE_LABELS[invitation.role]}</td>
      <td>{invitation.invitedBy}</td>
      <td>{invitation.expired ? <span className="badge">Expired</span> : "Pending"}</td>
      <td>
        {invitation.expired ? (
          <>
            <button
              type="button"
              className="button"
              disabled={pending}
              onClick={() => run(() => invite.mutateAsync({ workspaceId, email: invitation.email, role: invitation.role }))}
            >
              Invite {invitation.email} again
            </button>{" "}
          </>
        ) : null}
        <button
          type="button"
          className="button button-secondary"
          disabled={pending}
          onClick={() => run(() => withdraw.mutateAsync({ invitationId: invitation._id }))}
        >
          Withdraw invitation for {invitation.email}
        </button>
        {message}
      </td>
    </tr>
  );
}

function InviteForm({ workspaceId }: { workspaceId: Id<"workspaces"> }) {
  const invite = useInvite();
  const roleId = useId();
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const email = formText(data, "email");
    setError(null);
    setSent(null);
    try {
      await invite.mutateAsync({ workspaceId, email, role: data.get("role") === "admin" ? "admin" : "member" });
      setSent(
        `Invitation sent to ${email.trim().toLowerCase()}. They see it under Workspaces once they sign in with that email.`,
      );
      form.reset();
    } catch (cause) {
      const problem = toUserFacingError(cause);
      setError(problem.fields.email ?? problem.message);
    }
  }
  return (
    <form className="card form" onSubmit={onSubmit} noValidate>
      <h2>Invite someone</h2>
      <div className="form-grid">
        <TextField label="Email to invite" name="email" type="email" required maxLength={254} error={error} />
        <div className="field">
          <label htmlFor={roleId}>Role</label>
          <select id={roleId} name="role" defaultValue="member">
            <option value="member">Member: creates and edits customers</option>
            <option value="admin">Admin: also deletes customers and manages the team</option>
          </select>
        </div>
      </div>
      {sent ? (
        <p className="notice" role="status">
          {sent}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button" disabled={invite.isPending}>
          {invite.isPending ? "Inviting…" : "Send invitation"}
        </button>
      </div>
    </form>
  );
}

function RenameForm({ workspace }: { workspace: WorkspaceSummary }) {
  const rename = useRenameWorkspace();
  const { run, pending, message } = useAction();
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = formText(new FormData(event.currentTarget), "name");
    void run(() => rename.mutateAsync({ workspaceId: workspace._id, name }));
  }
  return (
    <form className="card form" onSubmit={onSubmit} noValidate>
      <h2>Rename</h2>
      <TextField label="Team name" name="name" required maxLength={80} defaultValue={workspace.name} key={workspace.name} />
      {message}
      <div className="form-actions">
        <button type="submit" className="button button-secondary" disabled={pending}>
          Rename
        </button>
      </div>
    </form>
  );
}

function DangerZone({ workspace }: { workspace: WorkspaceSummary }) {
  const leave = useLeaveWorkspace();
  const remove = useRemoveWorkspace();
  const navigate = useNavigate();
  const { run, pending, message } = useAction();
  const [confirming, setConfirming] = useState<"leave" | "delete" | null>(null);
  const toList = () => navigate({ to: "/workspaces" });
  const confirmed = (action: () => Promise<unknown>) => () => {
    setConfirming(null);
    void run(async () => {
      await action();
      await toList();
    });
  };
  return (
    <div className="card form">
      <h2>Leave or delete</h2>
      {message}
      {confirming === "leave" ? (
        <ConfirmDialog
          question={`Leave ${workspace.name}? You lose access to its customers until someone invites you again.`}
          confirmLabel="Yes, leave"
          busy={pending}
          onConfirm={confirmed(() => leave.mutateAsync({ workspaceId: workspace._id }))}
          onKeep={() => setConfirming(null)}
        />
      ) : confirming === "delete" ? (
        <ConfirmDialog
          question={`Delete ${workspace.name} and all its customers for every member? This cannot be undone.`}
          confirmLabel="Yes, delete"
          busy={pending}
          onConfirm={confirmed(() => remove.mutateAsync({ workspaceId: workspace._id }))}
          onKeep={() => setConfirming(null)}
        />
      ) : (
        <div className="form-actions">
          <button type="button" className="button button-secondary" disabled={pending} onClick={() => setConfirming("leave")}>
            Leave {workspace.name}
          </button>
          {workspace.role === "admin" ? (
            <button type="button" className="button button-danger" disabled={pending} onClick={() => setConfirming("delete")}>
              Delete workspace
            </button>
          ) : null}
        </div>
      )}
    </div>
  );
}
