import { useSuspenseQuery } from "@tanstack/react-query";
import { createFileRoute, notFound, useNavigate } from "@tanstack/react-router";
import { ErrorPage, NotFoundPage, PendingPage } from "../../../../components/route-states";
import { CustomerForm } from "../../../../features/customers/components/customer-form";
import { useUpdateCustomer } from "../../../../features/customers/mutations";
import { customerQueries, ensureCustomer, inWorkspace } from "../../../../features/customers/queries";

// Not nested in the customer's layout (`$customerId_`): a form replaces the page, tabs and all.
export const Route = createFileRoute("/_authed/customers/$customerId_/edit")({
  loaderDeps: ({ search }) => ({ workspace: search.workspace }),
  loader: async ({ context, params }) => {
    const customer = await ensureCustomer(context.queryClient, context.workspaceId, params.customerId);
    if (!customer) throw notFound();
  },
  head: () => ({ meta: [{ title: "Edit customer · Clientele" }] }),
  pendingComponent: PendingPage,
  errorComponent: ErrorPage,
  notFoundComponent: () => <NotFoundPage what="customer" />,
  component: EditCustomerPage,
});

function EditCustomerPage() {
  const { customerId } = Route.useParams();
  const { workspaceId } = Route.useRouteContext();
  const { data: customer } = useSuspenseQuery(customerQueries.detail(workspaceId, customerId));
  const navigate = useNavigate();
  const update = useUpdateCustomer();
  if (!customer) return <NotFoundPage what="customer" />;
  const toDetail = () => navigate({ to: "/customers/$customerId", params: { customerId } });
  return (
    <section>
      <h1>Edit {customer.name}</h1>
      <CustomerForm
        initial={customer}
        submitLabel="Save changes"
        onSubmit={async (changes) => {
          // Optimistic: the detail and list show the change at once; a rejection rolls it back.
          const saved = update.mutateAsync(
            inWorkspace(workspaceId, {
              id: customerId,
              ...changes,
              company: changes.company ?? "",
              phone: changes.phone ?? "",
              notes: changes.notes ?? "",
            }),
          );
          await saved;
          await toDetail();
        }}
        onCancel={toDetail}
      />
    </section>
  );
}
