import { useConvexMutation } from "@convex-dev/react-query";
import { useMutation } from "@tanstack/react-query";
import type { OptimisticLocalStore } from "convex/browser";
import { api } from "../../../convex/_generated/api";
import type { Customer } from "../../../convex/customers";
import { inWorkspace } from "./queries";

type CustomerChanges = Partial<Omit<Customer, "_id" | "_creationTime">>;

/** Applies a change to the customer in every loaded list page. */
function updateListPages(store: OptimisticLocalStore, id: string, change: (customer: Customer) => Customer | null) {
  for (const { args, value } of store.getAllQueries(api.customers.listByUser)) {
    if (!value) continue;
    const page = value.page.flatMap((customer) => {
      if (customer._id !== id) return [customer];
      const changed = change(customer);
      return changed ? [changed] : [];
    });
    store.setQuery(api.customers.listByUser, args, { ...value, page });
  }
}

/** Empty form fields clear the value, as the server does. */
function applyChanges(customer: Customer, changes: CustomerChanges): Customer {
  const next: Customer = { ...customer };
  for (const [key, value] of Object.entries(changes) as [keyof CustomerChanges, string | undefined][]) {
    if (value === undefined) continue;
    (next as Record<string, unknown>)[key] = value.trim() === "" && key !== "name" && key !== "email" ? undefined : value;
  }
  return next;
}

export function useCreateCustomer() {
  const create = useConvexMutation(api.customers.create);
  return useMutation({ mutationFn: create });
}

export function useUpdateCustomer() {
  const update = useConvexMutation(api.customers.update).withOptimisticUpdate((store, { id, workspaceId, ...changes }) => {
    const detailArgs = inWorkspace(workspaceId, { id });
    const current = store.getQuery(api.customers.get, detailArgs);
    if (current) store.setQuery(api.customers.get, detailArgs, applyChanges(current, changes));
    updateListPages(store, id, (customer) => applyChanges(customer, changes));
  });
  return useMutation({ mutationFn: update });
}

export function useRemoveCustomer() {
  const remove = useConvexMutation(api.customers.remove).withOptimisticUpdate((store, { id }) => {
    updateListPages(store, id, () => null);
  });
  return useMutation({ mutationFn: remove });
}
