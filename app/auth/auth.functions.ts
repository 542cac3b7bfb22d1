import { createServerFn } from "@tanstack/react-start";
import * as z from "zod/mini";
import { readAuthState, signInLocally, signOutLocally } from "./auth.server";
import { emailSchema } from "./email";
import { safeRedirect } from "./redirect";

/** The signed-in user and a fresh Convex token; cached by `authQueryOptions` for the token's lifetime. */
export const getAuthState = createServerFn({ method: "GET" }).handler(() => readAuthState());

const signInInput = z.object({ email: emailSchema, redirect: z.optional(z.string().check(z.maxLength(2048))) });

export const signIn = createServerFn({ method: "POST" })
  .validator((input: unknown) => signInInput.parse(input))
  .handler(async ({ data }) => {
    await signInLocally(data.email);
    return { redirectTo: safeRedirect(data.redirect) };
  });

export const signOut = createServerFn({ method: "POST" }).handler(() => {
  signOutLocally();
  return { redirectTo: "/" };
});
