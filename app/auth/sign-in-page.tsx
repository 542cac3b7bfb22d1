import { useServerFn } from "@tanstack/react-start";
import { type FormEvent, useState } from "react";
import { TextField } from "../components/text-field";
import { toUserFacingError } from "../lib/convex-errors";
import { signIn } from "./sign-in.functions";
import { emailSchema } from "./email";
import { safeRedirect } from "./redirect";
import type { ClerkUi } from "./ui";

/** Clerk's sign-in form when the Clerk UI is loaded (Clerk mode), the local form otherwise. */
export function SignInPage({ redirect, clerkSignIn }: { redirect: string | undefined; clerkSignIn: ClerkUi["SignIn"] | null }) {
  if (clerkSignIn) {
    const ClerkSignIn = clerkSignIn;
    return (
      <section className="card narrow">
        <ClerkSignIn redirectTo={safeRedirect(redirect)} />
      </section>
    );
  }
  return <LocalSignInForm redirect={redirect} />;
}

function LocalSignInForm({ redirect }: { redirect: string | undefined }) {
  const signInFn = useServerFn(signIn);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = new FormData(event.currentTarget).get("email");
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? "Enter a valid email address");
      return;
    }
    setError(null);
    setPending(true);
    try {
      const { redirectTo } = await signInFn({ data: { email: parsed.data, redirect } });
      // A full load, so the next page is server-rendered as the new user with nothing cached from before.
      window.location.assign(redirectTo);
    } catch (cause) {
      setPending(false);
      // A server's own error text (a file path, a stack) is not for users; a lost connection is said so.
      setError(toUserFacingError(cause, "Sign-in failed; please try again.").message);
    }
  }

  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <p className="notice" role="note">
        Local sign-in: any email signs you in as that user on this machine. There is no password and nothing leaves this computer.
        With Clerk keys configured, Clerk signs users in instead.
      </p>
      <form onSubmit={onSubmit} noValidate className="form">
        <TextField label="Email" name="email" type="email" autoComplete="email" required error={error} />
        <button type="submit" className="button" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
