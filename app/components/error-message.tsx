import type { ReactNode } from "react";

/** No message: nothing is rendered (an empty element would still be announced or take space). */
const isEmpty = (children: ReactNode) => children === null || children === undefined || children === false || children === "";

/**
 * What went wrong, in words a user can act on, announced as it appears (`role="alert"`); renders
 * nothing while there is no message. `inline` for a message beside a button in a line of controls.
 */
export function ErrorMessage({ children, id, inline = false }: { children: ReactNode; id?: string; inline?: boolean }) {
  if (isEmpty(children)) return null;
  const Tag = inline ? "span" : "p";
  return (
    <Tag id={id} className="form-error" role="alert">
      {children}
    </Tag>
  );
}

/**
 * What is wrong with one field's value, shown below it; `id` is what the field's
 * `aria-describedby` names. `announce` (the default) says it as it appears; a form that announces
 * its own message and moves focus to the first wrong field turns it off, so a screen reader does
 * not read every field's message at once.
 */
export function FieldError({ id, children, announce = true }: { id: string; children: ReactNode; announce?: boolean }) {
  if (isEmpty(children)) return null;
  return (
    <p id={id} className="field-error" role={announce ? "alert" : undefined}>
      {children}
    </p>
  );
}
