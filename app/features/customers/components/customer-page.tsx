import { useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { STATUS_LABELS } from "../format";
import { customerQueries, type WorkspaceRef } from "../queries";
import { CustomerTabs } from "./customer-tabs";

interface CustomerPageProps {
  workspaceId: WorkspaceRef;
  customerId: string;
  /** The selected tab's content. */
  children: ReactNode;
}

/** A customer's page: the header every tab shares, the tabs, and the selected tab's content. */
export function CustomerPage({ workspaceId, customerId, children }: CustomerPageProps) {
  const { data: customer } = useSuspenseQuery(customerQueries.detail(workspaceId, customerId));
  if (!customer) {
    // Deleted while open (here or elsewhere): the live query turned null.
    return (
      <section className="card" data-testid="customer-deleted">
        <h1>Customer not found</h1>
        <p>This customer was deleted.</p>
        <Link to="/customers">Back to customers</Link>
      </section>
    );
  }
  return (
    <article className="customer-page">
      <header className="customer-header">
        <h1>{customer.name}</h1>
        <span className={`badge badge-${customer.status}`}>{STATUS_LABELS[customer.status]}</span>
        {customer.company ? <span className="muted">{customer.company}</span> : null}
      </header>
      <CustomerTabs customerId={customerId}>{children}</CustomerTabs>
    </article>
  );
}
