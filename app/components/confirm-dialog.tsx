import { type ReactNode, useId } from "react";

/**
 * Asks before something that cannot be undone (WAI-ARIA alertdialog): the question, a danger
 * button that takes focus as the dialog opens, and Keep.
 */
export function ConfirmDialog({
  question,
  confirmLabel,
  onConfirm,
  onKeep,
  busy = false,
}: {
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onKeep: () => void;
  busy?: boolean;
}) {
  const id = useId();
  return (
    <div className="confirm" role="alertdialog" aria-labelledby={id}>
      <p id={id}>{question}</p>
      {/* An alertdialog the user just opened takes focus (WAI-ARIA alertdialog pattern). */}
      {/* eslint-disable-next-line jsx-a11y/no-autofocus */}
      <button type="button" className="button button-danger" onClick={onConfirm} disabled={busy} autoFocus>
        {confirmLabel}
      </button>
      <button type="button" className="button button-secondary" onClick={onKeep}>
        Keep
      </button>
    </div>
  );
}
