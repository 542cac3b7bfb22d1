import { useState } from "react";
import { ErrorMessage } from "../../../components/error-message";
import { toUserFacingError } from "../../../lib/convex-errors";

/** Runs an action and keeps the server's message for display; one per control group. */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function run(action: () => Promise<unknown>) {
    setError(null);
    setPending(true);
    try {
      await action();
    } catch (cause) {
      setError(toUserFacingError(cause).message);
    } finally {
      setPending(false);
    }
  }
  const message = <ErrorMessage>{error}</ErrorMessage>;
  return { run, pending, message };
}
