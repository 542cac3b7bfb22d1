import { createServerFn } from "@tanstack/react-start";
import { z } from "zod";
import { readAuthState, signInLocally, signOutLocally } from "./auth.server";
import { emailSchema } from "./email";
import { safeRedirect } from "./redirect";

/** The signed-in user and a fresh Convex token; cached by `authQueryOptions` for the token's lifetime. */
export const getAuthState = createServerFn({ method: "GET" }).handler(() => readAuthState());

const signInInput = z.object({ email: emailSchema, redirect: z.string().max(2048).optional() });

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
