import { type ErrorComponentProps, Link, useRouter } from "@tanstack/react-router";
import { useQueryErrorResetBoundary } from "@tanstack/react-query";
import { useEffect } from "react";
import { toUserFacingError } from "../lib/convex-errors";

export function PendingPage() {
  return (
    <div className="pending" role="status" aria-live="polite">
      Loading…
    </div>
  );
}

/** A route's error, with a retry that refetches both the loader and its queries. */
export function ErrorPage({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  const queryErrorReset = useQueryErrorResetBoundary();
  useEffect(() => queryErrorReset.reset(), [queryErrorReset]);
  return (
    <section className="card" role="alert">
      <h1>Something went wrong</h1>
      <p>{toUserFacingError(error, "The page could not be loaded. Please try again.").message}</p>
      <button
        type="button"
        className="button"
        onClick={async () => {
          reset();
          await router.invalidate();
        }}
      >
        Try again
      </button>
    </section>
  );
}

export function NotFoundPage({ what = "page" }: { what?: string }) {
  return (
    <section className="card">
      <h1>Not found</h1>
      <p>This {what} does not exist, or it is not yours.</p>
      <Link to="/customers">Back to customers</Link>
    </section>
  );
}
