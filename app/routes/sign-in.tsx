import { createFileRoute, redirect, type SearchSchemaInput } from "@tanstack/react-router";
import { safeRedirect } from "../auth/redirect";
import { SignInPage } from "../auth/sign-in-page";

export const Route = createFileRoute("/sign-in")({
  // Hand-written: route validators ship in every page's first bundle. safeRedirect vets the target.
  validateSearch: (search: { redirect?: string } & SearchSchemaInput): { redirect?: string } => {
    const target: unknown = search.redirect;
    return typeof target === "string" && target.length <= 2048 ? { redirect: target } : {};
  },
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
