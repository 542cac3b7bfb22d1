import { Link } from "@tanstack/react-router";
import { useServerFn } from "@tanstack/react-start";
import { useState } from "react";
import { ErrorMessage } from "../components/error-message";
import { toUserFacingError } from "../lib/convex-errors";
import { signOut } from "./auth.functions";
import type { AuthState } from "./types";
import { useProviderSignOut } from "./ui";

export function UserMenu({ auth }: { auth: AuthState }) {
  const signOutFn = useServerFn(signOut);
  const providerSignOut = useProviderSignOut();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!auth.userId) {
    return (
      <Link to="/sign-in" className="user-menu">
        Sign in
      </Link>
    );
  }
  return (
    <div className="user-menu">
      <span className="user-email">{auth.email ?? auth.userId}</span>
      <button
        type="button"
        className="button button-secondary"
        disabled={pending}
        onClick={async () => {
          setPending(true);
          setError(null);
          try {
            // Clerk signs out in the browser (clerk-js clears its cookies); local sign-in on the server.
            const redirectTo = providerSignOut ? await providerSignOut() : (await signOutFn()).redirectTo;
            // A full load: nothing cached for this user survives into the next session.
            window.location.assign(redirectTo);
          } catch (cause) {
            setPending(false);
            setError(toUserFacingError(cause, "Signing out failed. Please try again.").message);
          }
        }}
      >
        Sign out
      </button>
      <ErrorMessage inline>{error}</ErrorMessage>
    </div>
  );
}
