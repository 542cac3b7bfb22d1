import { type FormEvent, useId, useState } from "react";
import { CUSTOMER_STATUSES, LIMITS } from "../../../../convex/lib/customerFields";
import { type CustomerInput, type FieldErrors, validateCustomer, type ValidCustomer } from "../../../../convex/lib/customerRules";
import { ErrorMessage, FieldError } from "../../../components/error-message";
import { toUserFacingError } from "../../../lib/convex-errors";
import { STATUS_LABELS } from "../format";
import { formText } from "../../../lib/form-data";

interface CustomerFormProps {
  initial?: Partial<CustomerInput>;
  submitLabel: string;
  /** Saves; throws what the server threw, which the form turns into messages. */
  onSubmit: (customer: ValidCustomer) => Promise<void>;
  onCancel: () => void;
}

const TEXT_FIELDS = [
  { name: "name", label: "Name", type: "text", autoComplete: "name", required: true },
  { name: "email", label: "Email", type: "email", autoComplete: "email", required: true },
  { name: "company", label: "Company", type: "text", autoComplete: "organization", required: false },
  { name: "phone", label: "Phone", type: "tel", autoComplete: "tel", required: false },
] as const;

/** One form for create and edit, checked with the same rules the Convex mutation enforces. */
export function CustomerForm({ initial = {}, submitLabel, onSubmit, onCancel }: CustomerFormProps) {
  const formId = useId();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const id = (field: string) => `${formId}-${field}`;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const input: CustomerInput = {
      name: formText(data, "name"),
      email: formText(data, "email"),
      company: formText(data, "company"),
      phone: formText(data, "phone"),
      status: (formText(data, "status") || "lead") as CustomerInput["status"],
      notes: formText(data, "notes"),
    };
    const result = validateCustomer(input);
    if (!result.ok) {
      setErrors(result.fields);
      setFormError("Please fix the highlighted fields.");
      const firstInvalid = Object.keys(result.fields)[0];
      if (firstInvalid) document.getElementById(id(firstInvalid))?.focus();
      return;
    }
    setErrors({});
    setFormError(null);
    setPending(true);
    try {
      await onSubmit(result.value);
    } catch (error) {
      const problem = toUserFacingError(error);
      setErrors(problem.fields);
      setFormError(problem.message);
      setPending(false);
    }
  }

  const describedBy = (field: keyof FieldErrors) => (errors[field] ? `${id(field)}-error` : undefined);
  // The form's own message is the announcement, and focus moves to the first wrong field.
  const fieldError = (field: keyof FieldErrors) => (
    <FieldError id={`${id(field)}-error`} announce={false}>
      {errors[field]}
    </FieldError>
  );

  return (
    <form className="form card" onSubmit={submit} noValidate aria-describedby={formError ? `${formId}-error` : undefined}>
      <ErrorMessage id={`${formId}-error`}>{formError}</ErrorMessage>
      <div className="form-grid">
        {TEXT_FIELDS.map((field) => (
          <div className="field" key={field.name}>
            <label htmlFor={id(field.name)}>
              {field.label}
              {field.required ? <span aria-hidden="true"> *</span> : null}
            </label>
            <input
              id={id(field.name)}
              name={field.name}
              type={field.type}
              autoComplete={field.autoComplete}
              required={field.required}
              maxLength={LIMITS[field.name]}
              defaultValue={initial[field.name] ?? ""}
              aria-invalid={errors[field.name] ? true : undefined}
              aria-describedby={describedBy(field.name)}
            />
            {fieldError(field.name)}
          </div>
        ))}
        <div className="field">
          <label htmlFor={id("status")}>Status</label>
          <select
            id={id("status")}
            name="status"
            defaultValue={initial.status ?? "lead"}
            aria-describedby={describedBy("status")}
          >
            {CUSTOMER_STATUSES.map((status) => (
              <option key={status} value={status}>
                {STATUS_LABELS[status]}
              </option>
            ))}
          </select>
          {fieldError("status")}
        </div>
      </div>
      <div className="field">
        <label htmlFor={id("notes")}>Summary</label>
        <textarea
          id={id("notes")}
          name="notes"
          rows={4}
          maxLength={LIMITS.notes}
          defaultValue={initial.notes ?? ""}
          aria-invalid={errors.notes ? true : undefined}
          aria-describedby={describedBy("notes")}
        />
        {fieldError("notes")}
      </div>
      <div className="form-actions">
        <button type="submit" className="button" disabled={pending}>
          {pending ? "Saving…" : submitLabel}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel} disabled={pending}>
          Cancel
        </button>
      </div>
    </form>
  );
}
