import { type InputHTMLAttributes, useId } from "react";
import { FieldError } from "./error-message";

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "aria-invalid" | "aria-describedby"> {
  name: string;
  label: string;
  /** What is wrong with the value, shown below it and tied to the input for assistive technology. */
  error?: string | null;
}

/** A labelled text input with its message, for the small one-field forms. */
export function TextField({ label, error, ...input }: TextFieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} aria-invalid={error ? true : undefined} aria-describedby={error ? errorId : undefined} />
      <FieldError id={errorId}>{error}</FieldError>
    </div>
  );
}
