import { createServerFn } from "@tanstack/react-start";
import * as z from "zod/mini";
import { signInLocally } from "./auth.server";
import { emailSchema } from "./email";
import { safeRedirect } from "./redirect";

// Apart from auth.functions.ts: its validator (and zod) then loads with the sign-in page only.
const signInInput = z.object({ email: emailSchema, redirect: z.optional(z.string().check(z.maxLength(2048))) });

export const signIn = createServerFn({ method: "POST" })
  .validator((input: unknown) => signInInput.parse(input))
  .handler(async ({ data }) => {
    await signInLocally(data.email);
    return { redirectTo: safeRedirect(data.redirect) };
  });
