import { z } from "zod";

/** The sign-in form's one rule, shared by the form and the server function. */
export const emailSchema = z
  .string()
  .trim()
  .min(1, "Enter your email address")
  .max(254, "That email address is too long")
  .pipe(z.email("Enter a valid email address"))
  .transform((email) => email.toLowerCase());

/** Local users are identified by their lower-cased email. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
