import { createFileRoute, redirect } from "@tanstack/react-router";
import { z } from "zod";
import { safeRedirect } from "../auth/redirect";
import { SignInPage } from "../auth/sign-in-page";

export const Route = createFileRoute("/sign-in")({
  validateSearch: z.object({ redirect: z.string().max(2048).optional().catch(undefined) }),
  beforeLoad: ({ context, search }) => {
    if (context.auth.userId) throw redirect({ href: safeRedirect(search.redirect) });
  },
  head: () => ({ meta: [{ title: "Sign in · Clientele" }] }),
  component: function SignInRoute() {
    const { redirect: target } = Route.useSearch();
    const { authUi } = Route.useRouteContext();
    return <SignInPage redirect={target} clerkSignIn={authUi?.SignIn ?? null} />;
  },
});
