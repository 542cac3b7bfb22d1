import type { WorkspaceRole } from "../../../convex/schema";

export const ROLE_LABELS: Record<WorkspaceRole, string> = { admin: "Admin", member: "Member" };
