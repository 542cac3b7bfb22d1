import { createServerFn } from "@tanstack/react-start";
import { readAuthState, signOutLocally } from "./auth.server";

/** The signed-in user and a fresh Convex token; cached by `authQueryOptions` for the token's lifetime. */
export const getAuthState = createServerFn({ method: "GET" }).handler(() => readAuthState());

export const signOut = createServerFn({ method: "POST" }).handler(async () => {
  await signOutLocally();
  return { redirectTo: "/" };
});
