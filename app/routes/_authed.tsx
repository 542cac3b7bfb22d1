import { createFileRoute, Outlet, redirect } from "@tanstack/react-router";

/**
 * The protected layout: signed-out visits go to /sign-in and come back after. This is a UX
 * guard only; Convex functions enforce per-user access themselves (convex/lib/auth.ts).
 */
export const Route = createFileRoute("/_authed")({
  beforeLoad: ({ context, location }) => {
    if (!context.auth.userId) {
      throw redirect({ to: "/sign-in", search: { redirect: location.href } });
    }
    return { auth: context.auth };
  },
  component: Outlet,
});
