import { useEffect, useState } from "react";
import { isChunkGone, STALE_BUILD_EVENT } from "../lib/stale-build";

/**
 * Says so when a redeploy has replaced the code this page was built with (a lazily loaded chunk
 * is gone from the server), and offers the reload that fixes it. The reload is the user's call:
 * the page may hold a half-filled form. The failed action still reports its own error where it
 * happened.
 */
export function StaleBuildNotice() {
  const [stale, setStale] = useState(false);
  useEffect(() => {
    const onFailedLoad = (event: Event) => {
      // Only a chunk the server no longer has: a lost connection is not a new version.
      void isChunkGone((event as Event & { payload?: unknown }).payload).then((gone) => {
        if (gone) setStale(true);
      });
    };
    window.addEventListener(STALE_BUILD_EVENT, onFailedLoad);
    return () => window.removeEventListener(STALE_BUILD_EVENT, onFailedLoad);
  }, []);
  if (!stale) return null;
  return (
    <div className="stale-build" role="alert">
      <span>Clientele has been updated since this page was opened.</span>
      <button type="button" className="button button-secondary" onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  );
}
