import { LoadMoreButton } from "../../../components/load-more-button";
import { ConfirmDialog } from "../../../components/confirm-dialog";
import { ErrorMessage, FieldError } from "../../../components/error-message";
import { type FormEvent, useId, useState } from "react";
import type { NoteEntry } from "../../../../convex/notes";
import { MAX_NOTE_LENGTH, validateNoteBody } from "../../../../convex/lib/noteRules";
import { toUserFacingError } from "../../../lib/convex-errors";
import { useLivePages } from "../../../lib/live-pages";
import { useTimeZone } from "../../../components/time-zone";
import { formatMoment } from "../../../lib/format-date";
import { isUnsavedNote, useAddNote, useRemoveNote, useUpdateNote } from "../mutations";
import { customerQueries, inWorkspace, type WorkspaceRef } from "../queries";

interface NotesTabProps {
  workspaceId: WorkspaceRef;
  customerId: string;
}

/** The Notes tab: a form to add a note, then the customer's notes, newest first, live. */
export function NotesTab({ workspaceId, customerId }: NotesTabProps) {
  const { items, canLoadMore, loadingMore, loadMore } = useLivePages((bounds) =>
    customerQueries.notes(workspaceId, customerId, bounds),
  );
  return (
    <section data-testid="customer-notes" aria-label="Notes">
      <NewNote workspaceId={workspaceId} customerId={customerId} />
      {items.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        // eslint-disable-next-line jsx-a11y/no-redundant-roles -- Safari drops list semantics from a list styled without markers
        <ol className="timeline" role="list">
          {items.map((note) => (
            <NoteItem key={note._id} note={note} workspaceId={workspaceId} />
          ))}
        </ol>
      )}
      <LoadMoreButton canLoadMore={canLoadMore} loadingMore={loadingMore} loadMore={loadMore} />
    </section>
  );
}

/** A note's text box with its label and message; the same for a new note and an edit. */
function NoteField({
  label,
  value,
  onChange,
  error,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | null;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        name="body"
        rows={3}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <FieldError id={`${id}-error`}>{error}</FieldError>
    </div>
  );
}

/**
 * Adds a note: it is shown at once (optimistic) and the box emptied; if the server refuses it,
 * the note goes, the text comes back into the box and the reason is shown.
 */
function NewNote({ workspaceId, customerId }: NotesTabProps) {
  const add = useAddNote();
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validateNoteBody(draft);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setError(null);
    setDraft("");
    try {
      await add.mutateAsync(inWorkspace(workspaceId, { customerId, body: result.value }));
    } catch (cause) {
      setDraft((current) => (current === "" ? result.value : current));
      setError(`Your note was not added: ${toUserFacingError(cause).message}`);
    }
  }

  return (
    <form className="note-form" onSubmit={submit} noValidate>
      <NoteField label="New note" value={draft} onChange={setDraft} error={error} />
      <div className="form-actions">
        <button type="submit" className="button">
          Add note
        </button>
        {draft.length > MAX_NOTE_LENGTH * 0.9 ? (
          <span className="muted">
            {draft.length.toLocaleString("en")} of {MAX_NOTE_LENGTH.toLocaleString("en")} characters
          </span>
        ) : null}
      </div>
    </form>
  );
}

type NoteMode = "view" | "edit" | "confirm-delete";

function NoteItem({ note, workspaceId }: { note: NoteEntry; workspaceId: WorkspaceRef }) {
  const update = useUpdateNote();
  const remove = useRemoveNote();
  const [mode, setMode] = useState<NoteMode>("view");
  const [draft, setDraft] = useState(note.body);
  const [error, setError] = useState<string | null>(null);
  const unsaved = isUnsavedNote(note);
  const timeZone = useTimeZone();

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validateNoteBody(draft);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setError(null);
    setMode("view");
    try {
      await update.mutateAsync(inWorkspace(workspaceId, { id: note._id, body: result.value }));
    } catch (cause) {
      setMode("edit");
      setError(`Your change was not saved: ${toUserFacingError(cause).message}`);
    }
  }

  async function confirmDelete() {
    setError(null);
    try {
      await remove.mutateAsync(inWorkspace(workspaceId, { id: note._id }));
    } catch (cause) {
      setMode("view");
      setError(`The note was not deleted: ${toUserFacingError(cause).message}`);
    }
  }

  return (
    <li data-testid="note" data-unsaved={unsaved ? "true" : undefined} className="note">
      <div className="note-meta">
        <strong>{note.authorName}</strong>
        {unsaved ? (
          <span className="muted">Saving…</span>
        ) : (
          <time className="muted" dateTime={new Date(note._creationTime).toISOString()}>
            {formatMoment(note._creationTime, timeZone)}
            {note.editedAt === undefined ? null : " (edited)"}
          </time>
        )}
      </div>
      {mode === "edit" ? (
        <form className="note-form" onSubmit={save} noValidate>
          <NoteField label="Edit note" value={draft} onChange={setDraft} error={error} />
          <div className="form-actions">
            <button type="submit" className="button">
              Save note
            </button>
            <button type="button" className="button button-secondary" onClick={() => setMode("view")}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p className="notes note-body">{note.body}</p>
      )}
      {mode !== "edit" ? <ErrorMessage>{error}</ErrorMessage> : null}
      {mode === "confirm-delete" ? (
        <ConfirmDialog
          question="Delete this note? This cannot be undone."
          confirmLabel="Yes, delete"
          onConfirm={() => void confirmDelete()}
          onKeep={() => setMode("view")}
        />
      ) : null}
      {mode === "view" && note.canEdit && !unsaved ? (
        <div className="tab-actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => {
              setDraft(note.body);
              setError(null);
              setMode("edit");
            }}
          >
            Edit<span className="visually-hidden"> note by {note.authorName}</span>
          </button>
          <button type="button" className="button button-secondary" onClick={() => setMode("confirm-delete")}>
            Delete<span className="visually-hidden"> note by {note.authorName}</span>
          </button>
        </div>
      ) : null}
    </li>
  );
}
