import { createFileRoute, redirect } from "@tanstack/react-router";
import * as z from "zod/mini";
import { safeRedirect } from "../auth/redirect";
import { SignInPage } from "../auth/sign-in-page";

export const Route = createFileRoute("/sign-in")({
  validateSearch: z.object({ redirect: z.catch(z.optional(z.string().check(z.maxLength(2048))), undefined) }),
  beforeLoad: ({ context, search }) => {
    if (context.auth.userId) throw redirect({ href: safeRedirect(search.redirect) });
  },
  head: () => ({ meta: [{ title: "Sign in · Clientele" }] }),
  component: function SignInRoute() {
    const { redirect: target } = Route.useSearch();
    const { publicConfig } = Route.useRouteContext();
    return <SignInPage redirect={target} authMode={publicConfig.authMode} />;
  },
});
