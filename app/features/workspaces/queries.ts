import { convexQuery, useConvexAction, useConvexMutation } from "@convex-dev/react-query";
import { useMutation, useQuery } from "@tanstack/react-query";
import type { FunctionArgs, FunctionReference, OptionalRestArgs } from "convex/server";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { WorkspaceRole } from "../../../convex/schema";
import type { WorkspaceSummary } from "../../../convex/workspaces";

/** Every workspaces query, built in one place so loaders and components share keys. */
export const workspaceQueries = {
  list: () => convexQuery(api.workspaces.list, {}),
  members: (workspaceId: Id<"workspaces">) => convexQuery(api.workspaces.members, { workspaceId }),
  invitations: () => convexQuery(api.workspaces.myInvitations, {}),
  /** Invitations a team's admins sent and may withdraw (admins only). */
  sentInvitations: (workspaceId: Id<"workspaces">) => convexQuery(api.workspaces.invitations, { workspaceId }),
  /** Whether web-to-lead is on, and since when (admins only). */
  webToLead: (workspaceId: Id<"workspaces">) => convexQuery(api.webToLead.status, { workspaceId }),
};

/** The workspace a `?workspace=` value names among the caller's, or null when they are not a member. */
export function findWorkspace(workspaces: WorkspaceSummary[], id: string): WorkspaceSummary | null {
  return workspaces.find((workspace) => workspace._id === id) ?? null;
}

/**
 * The caller's role in a workspace (personal, without an id: its owner, an admin), or undefined
 * while the list loads or when they are not a member.
 */
export function useWorkspaceRole(workspaceId: Id<"workspaces"> | undefined): WorkspaceRole | undefined {
  const { data: workspaces } = useQuery({ ...workspaceQueries.list(), enabled: workspaceId !== undefined });
  if (workspaceId === undefined) return "admin";
  return workspaces ? findWorkspace(workspaces, workspaceId)?.role : undefined;
}

/** A Convex mutation as a React Query mutation; the live queries bring the result back. */
function useWorkspaceMutation<M extends FunctionReference<"mutation">>(mutation: M) {
  const run = useConvexMutation(mutation);
  return useMutation({ mutationFn: (args: FunctionArgs<M>) => run(...([args] as OptionalRestArgs<M>)) });
}

export const useCreateWorkspace = () => useWorkspaceMutation(api.workspaces.create);
export const useRenameWorkspace = () => useWorkspaceMutation(api.workspaces.rename);
export const useRemoveWorkspace = () => useWorkspaceMutation(api.workspaces.remove);
export const useInvite = () => useWorkspaceMutation(api.workspaces.invite);
export const useSetRole = () => useWorkspaceMutation(api.workspaces.setRole);
export const useRemoveMember = () => useWorkspaceMutation(api.workspaces.removeMember);
export const useLeaveWorkspace = () => useWorkspaceMutation(api.workspaces.leave);
export const useAcceptInvitation = () => useWorkspaceMutation(api.workspaces.acceptInvitation);
export const useDeclineInvitation = () => useWorkspaceMutation(api.workspaces.declineInvitation);
export const useWithdrawInvitation = () => useWorkspaceMutation(api.workspaces.withdrawInvitation);
export const useTurnOffWebToLead = () => useWorkspaceMutation(api.webToLead.turnOff);

/** Turns web-to-lead on or rotates its token; resolves to the new token, which is shown once. */
export function useIssueLeadToken() {
  const issue = useConvexAction(api.webToLead.issueToken);
  return useMutation({ mutationFn: (workspaceId: Id<"workspaces">) => issue({ workspaceId }) });
}
