import * as z from "zod/mini";

/** The sign-in form's one rule, shared by the form and the server function. */
export const emailSchema = z.pipe(
  z.string().check(z.trim(), z.minLength(1, "Enter your email address"), z.maxLength(254, "That email address is too long")),
  z.email("Enter a valid email address").check(z.toLowerCase()),
);

/** Local users are identified by their lower-cased email. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
