/**
 * Clerk's browser UI, loaded only in Clerk mode (see app/auth/ui.ts). The Convex token does
 * not come from here: the browser's Convex client gets it from the cached `getAuthState`
 * server function in both modes (docs/decisions/005-auth.md). ClerkProvider is still mounted
 * on every page because clerk-js keeps the 60-second `__session` cookie fresh, which is what
 * the server's `auth()` reads when the token is refreshed.
 */
import { ClerkProvider, SignIn, useClerk } from "@clerk/tanstack-react-start";
import { type ReactNode, useCallback } from "react";
import { DEFAULT_AFTER_SIGN_IN } from "../redirect";
import { ProviderSignOutContext } from "../ui";
import type { ClerkUi } from "../ui";

/**
 * Clerk navigates after sign-in and sign-out; a full load makes the next page server-rendered
 * as the new user with nothing cached from before (as local sign-in does).
 */
function fullLoad(to: string) {
  window.location.assign(to);
}
function fullLoadReplace(to: string) {
  window.location.replace(to);
}

function ClerkSignOut({ children }: { children: ReactNode }) {
  const clerk = useClerk();
  const signOut = useCallback(async () => {
    await clerk.signOut();
    return "/";
  }, [clerk]);
  return <ProviderSignOutContext.Provider value={signOut}>{children}</ProviderSignOutContext.Provider>;
}

function Provider({ publishableKey, children }: { publishableKey: string; children: ReactNode }) {
  return (
    <ClerkProvider publishableKey={publishableKey} routerPush={fullLoad} routerReplace={fullLoadReplace} afterSignOutUrl="/">
      <ClerkSignOut>{children}</ClerkSignOut>
    </ClerkProvider>
  );
}

function ClerkSignIn({ redirectTo }: { redirectTo: string }) {
  // Hash routing: Clerk's multi-step flow stays on /sign-in (no catch-all route needed).
  return <SignIn routing="hash" forceRedirectUrl={redirectTo} fallbackRedirectUrl={DEFAULT_AFTER_SIGN_IN} />;
}

export const clerkUi: ClerkUi = { Provider, SignIn: ClerkSignIn };
