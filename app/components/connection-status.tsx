import { useConvex } from "convex/react";
import { useEffect, useState } from "react";

/**
 * A notice while the Convex connection is down. Tables keep showing the last data; the client
 * reconnects by itself and re-sends unacknowledged changes, after which the notice goes away.
 */
export function ConnectionStatus() {
  const convex = useConvex();
  const [lost, setLost] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const update = () => {
      const state = convex.connectionState();
      const down = state.hasEverConnected && !state.isWebSocketConnected;
      clearTimeout(timer);
      // A brief blip is not worth a banner.
      if (down) timer = setTimeout(() => setLost(true), 1000);
      else setLost(false);
    };
    update();
    const unsubscribe = convex.subscribeToConnectionState(update);
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [convex]);
  if (!lost) return null;
  return (
    <div className="connection-lost" role="status">
      Connection lost. Showing the last data received; reconnecting…
    </div>
  );
}
