import { useConvexMutation } from "@convex-dev/react-query";
import { useMutation } from "@tanstack/react-query";
import type { OptimisticLocalStore } from "convex/browser";
import { api } from "../../../convex/_generated/api";
import type { Customer } from "../../../convex/customers";
import type { Id } from "../../../convex/_generated/dataModel";
import type { NoteEntry } from "../../../convex/notes";
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

/** The id a note has while only this browser knows of it (app/features/customers/components/notes-tab.tsx). */
const UNSAVED_NOTE = "unsaved:";

export function isUnsavedNote(note: Pick<NoteEntry, "_id">): boolean {
  return note._id.startsWith(UNSAVED_NOTE);
}

/** A note as shown until the server has it: by "You", now, not yet to be edited. */
function unsavedNote(body: string): NoteEntry {
  return {
    _id: `${UNSAVED_NOTE}${crypto.randomUUID()}` as Id<"notes">,
    _creationTime: Date.now(),
    authorName: "You",
    body,
    canEdit: false,
  };
}

/** Applies a change to the note in every loaded page of the customer's notes. */
function updateNotePages(store: OptimisticLocalStore, id: string, change: (note: NoteEntry) => NoteEntry | null) {
  for (const { args, value } of store.getAllQueries(api.notes.list)) {
    if (!value) continue;
    const page = value.page.flatMap((note) => {
      if (note._id !== id) return [note];
      const changed = change(note);
      return changed ? [changed] : [];
    });
    store.setQuery(api.notes.list, args, { ...value, page });
  }
}

/** Adds a note; it shows at once at the top of the customer's first page, and goes if the server refuses it. */
export function useAddNote() {
  const create = useConvexMutation(api.notes.create).withOptimisticUpdate((store, { customerId, body, workspaceId }) => {
    for (const { args, value } of store.getAllQueries(api.notes.list)) {
      const first = args.paginationOpts.cursor === null && args.customerId === customerId && args.workspaceId === workspaceId;
      if (!value || !first) continue;
      const unsaved = unsavedNote(body);
      store.setQuery(api.notes.list, args, { ...value, page: [unsaved, ...value.page] });
    }
  });
  return useMutation({ mutationFn: create });
}

export function useUpdateNote() {
  const update = useConvexMutation(api.notes.update).withOptimisticUpdate((store, { id, body }) => {
    updateNotePages(store, id, (note) => ({ ...note, body, editedAt: Date.now() }));
  });
  return useMutation({ mutationFn: update });
}

export function useRemoveNote() {
  const remove = useConvexMutation(api.notes.remove).withOptimisticUpdate((store, { id }) => {
    updateNotePages(store, id, () => null);
  });
  return useMutation({ mutationFn: remove });
}

/** Removes a file; it goes from every loaded page at once, and comes back if the server refuses. */
export function useRemoveFile() {
  const remove = useConvexMutation(api.files.remove).withOptimisticUpdate((store, { id }) => {
    for (const { args, value } of store.getAllQueries(api.files.list)) {
      if (value) store.setQuery(api.files.list, args, { ...value, page: value.page.filter((file) => file._id !== id) });
    }
  });
  return useMutation({ mutationFn: remove });
}
