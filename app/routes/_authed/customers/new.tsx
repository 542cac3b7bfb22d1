import { createFileRoute, useNavigate } from "@tanstack/react-router";
import { CustomerForm } from "../../../features/customers/components/customer-form";
import { useCreateCustomer } from "../../../features/customers/mutations";
import { inWorkspace } from "../../../features/customers/queries";

export const Route = createFileRoute("/_authed/customers/new")({
  head: () => ({ meta: [{ title: "New customer · Clientele" }] }),
  component: NewCustomerPage,
});

function NewCustomerPage() {
  const navigate = useNavigate();
  const { workspaceId } = Route.useRouteContext();
  const create = useCreateCustomer();
  return (
    <section>
      <h1>New customer</h1>
      <CustomerForm
        submitLabel="Create customer"
        onSubmit={async (customer) => {
          const id = await create.mutateAsync(inWorkspace(workspaceId, customer));
          await navigate({ to: "/customers/$customerId", params: { customerId: id } });
        }}
        onCancel={() => navigate({ to: "/customers" })}
      />
    </section>
  );
}
