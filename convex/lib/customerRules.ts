/**
 * The one set of rules for a customer's fields, used by the Convex mutations (the authority)
 * and by the app's forms (for instant field errors). Pure: no Convex or Node imports.
 */
// zod/mini: this file ships to the browser (the forms), where classic zod costs ~20 kB gzip.
import * as z from "zod/mini";
import { CUSTOMER_STATUSES, LIMITS } from "./customerFields";

/**
 * Characters that make a stored value display as something else: control characters (C0, DEL,
 * C1), line and paragraph separators, and Unicode's bidirectional controls (overrides such as
 * U+202E, embeddings, isolates and marks), which reorder how the title and table show it.
 */
const SPOOFING_CHARACTERS = /[\p{Cc}\p{Zl}\p{Zp}\p{Bidi_Control}]/u;
/** Multi-line text (notes) keeps its tabs and line breaks. */
const SPOOFING_CHARACTERS_MULTILINE = /[\p{Zl}\p{Zp}\p{Bidi_Control}]|(?![\t\n\r])\p{Cc}/u;

/** Whether text is free of those characters; multi-line text may have tabs and line breaks. */
export function isPlainText(value: string, { multiline = false }: { multiline?: boolean } = {}): boolean {
  return !(multiline ? SPOOFING_CHARACTERS_MULTILINE : SPOOFING_CHARACTERS).test(value);
}

const plainText = (label: string, pattern = SPOOFING_CHARACTERS) =>
  z.refine<string>((value) => !pattern.test(value), `${label} must not contain control characters or text-direction overrides`);

/** "" and whitespace mean "not given" for optional text fields. */
const optionalText = (max: number, label: string, pattern = SPOOFING_CHARACTERS) =>
  z.pipe(
    z.optional(
      z.string().check(z.trim(), z.maxLength(max, `${label} must be at most ${max} characters`), plainText(label, pattern)),
    ),
    z.transform((value: string | undefined) => (value ? value : undefined)),
  );

export const customerInputSchema = z.object({
  name: z
    .string()
    .check(
      z.trim(),
      z.minLength(1, "Enter a name"),
      z.maxLength(LIMITS.name, `Name must be at most ${LIMITS.name} characters`),
      plainText("Name"),
    ),
  email: z.pipe(
    z
      .string()
      .check(
        z.trim(),
        z.minLength(1, "Enter an email address"),
        z.maxLength(LIMITS.email, `Email must be at most ${LIMITS.email} characters`),
        plainText("Email"),
      ),
    z.email("Enter a valid email address"),
  ),
  company: optionalText(LIMITS.company, "Company"),
  phone: optionalText(LIMITS.phone, "Phone").check(
    z.refine(
      (value) => value === undefined || /^[+()0-9 .\-x]{3,}$/i.test(value),
      "Enter a phone number using digits, spaces and + ( ) - .",
    ),
  ),
  status: z._default(z.enum(CUSTOMER_STATUSES, { error: "Choose lead, active or inactive" }), "lead"),
  // Stored as `notes` (the API's name for it), shown as the Summary: the Notes tab holds a customer's notes.
  notes: optionalText(LIMITS.notes, "Summary", SPOOFING_CHARACTERS_MULTILINE),
});

export type CustomerInput = z.input<typeof customerInputSchema>;
export type ValidCustomer = z.output<typeof customerInputSchema>;
export type FieldErrors = Partial<Record<keyof CustomerInput, string>>;

export type ValidationResult = { ok: true; value: ValidCustomer } | { ok: false; fields: FieldErrors };

export function validateCustomer(input: CustomerInput): ValidationResult {
  const result = customerInputSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path[0] as keyof CustomerInput | undefined;
    if (key && !fields[key]) fields[key] = issue.message;
  }
  return { ok: false, fields };
}

/** What the search index covers: one field, so name, email and company are searched together. */
export function searchTextOf(customer: Pick<ValidCustomer, "name" | "email" | "company">): string {
  return [customer.name, customer.email, customer.company].filter(Boolean).join(" ");
}

/** How an import recognises a customer it already has: the email, trimmed and lower-cased. */
export function emailKeyOf(email: string): string {
  return email.trim().toLowerCase();
}
