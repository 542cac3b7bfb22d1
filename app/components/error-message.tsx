import type { ReactNode } from "react";

/**
 * What went wrong, in words a user can act on, announced as it appears (`role="alert"`); renders
 * nothing while there is no message. `inline` for a message beside a button in a line of controls.
 */
export function ErrorMessage({ children, id, inline = false }: { children: ReactNode; id?: string; inline?: boolean }) {
  if (children === null || children === undefined || children === false || children === "") return null;
  const Tag = inline ? "span" : "p";
  return (
    <Tag id={id} className="form-error" role="alert">
      {children}
    </Tag>
  );
}
