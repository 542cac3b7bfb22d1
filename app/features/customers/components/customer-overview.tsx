import { useSuspenseQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { ConfirmDialog } from "../../../components/confirm-dialog";
import { ErrorMessage } from "../../../components/error-message";
import { toUserFacingError } from "../../../lib/convex-errors";
import { useTimeZone } from "../../../components/time-zone";
import { formatDate } from "../../../lib/format-date";
import { useRemoveCustomer } from "../mutations";
import { customerQueries, inWorkspace, type WorkspaceRef } from "../queries";

interface CustomerOverviewProps {
  workspaceId: WorkspaceRef;
  customerId: string;
  /** Deleting customers is for admins (in a personal workspace, its owner). */
  canDelete: boolean;
}

/** The Overview tab: the customer's fields, with Edit and Delete. */
export function CustomerOverview({ workspaceId, customerId, canDelete }: CustomerOverviewProps) {
  const { data: customer } = useSuspenseQuery(customerQueries.detail(workspaceId, customerId));
  const navigate = useNavigate();
  const remove = useRemoveCustomer();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const timeZone = useTimeZone();
  // Deleted while open: the customer's page says so in place of its tabs.
  if (!customer) return null;

  async function confirmDelete() {
    setError(null);
    try {
      await remove.mutateAsync(inWorkspace(workspaceId, { id: customerId }));
      await navigate({ to: "/customers" });
    } catch (cause) {
      setError(toUserFacingError(cause).message);
      setConfirming(false);
    }
  }

  return (
    <div data-testid="customer-detail">
      <div className="tab-actions">
        <Link to="/customers/$customerId/edit" params={{ customerId }} className="button">
          Edit
        </Link>
        {canDelete ? (
          <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
        ) : null}
      </div>
      <ErrorMessage>{error}</ErrorMessage>
      {confirming ? (
        <ConfirmDialog
          question={`Delete ${customer.name}? This cannot be undone.`}
          confirmLabel={remove.isPending ? "Deleting…" : "Yes, delete"}
          onConfirm={() => void confirmDelete()}
          onKeep={() => setConfirming(false)}
          busy={remove.isPending}
        />
      ) : null}
      <dl className="details">
        <dt>Email</dt>
        <dd>
          <a href={`mailto:${customer.email}`}>{customer.email}</a>
        </dd>
        <dt>Company</dt>
        <dd>{customer.company ?? "—"}</dd>
        <dt>Phone</dt>
        <dd>{customer.phone ?? "—"}</dd>
        <dt>Created</dt>
        <dd>{formatDate(customer._creationTime, timeZone)}</dd>
        <dt>Summary</dt>
        <dd className="notes">{customer.notes ?? "—"}</dd>
      </dl>
    </div>
  );
}
