import { useEffect, useState } from "react";
import { events, type Heartbeat } from "@/bindings";

/** How long without a heartbeat before the backend is shown as unresponsive. */
export const HEARTBEAT_STALE_MS = 3_000;

export type BackendHealth =
  | { state: "connecting" }
  | { state: "live"; last: Heartbeat }
  | { state: "unresponsive"; last: Heartbeat };

/** Follows the backend's heartbeat events; turns `unresponsive` when they stop arriving. */
export function useBackendHealth(): BackendHealth {
  const [health, setHealth] = useState<BackendHealth>({ state: "connecting" });

  useEffect(() => {
    let staleTimer: ReturnType<typeof setTimeout> | undefined;
    const unlisten = events.heartbeatEvent.listen((event) => {
      const last = event.payload;
      setHealth({ state: "live", last });
      clearTimeout(staleTimer);
      staleTimer = setTimeout(() => {
        setHealth({ state: "unresponsive", last });
      }, HEARTBEAT_STALE_MS);
    });
    return () => {
      clearTimeout(staleTimer);
      void unlisten.then((stop) => {
        stop();
      });
    };
  }, []);

  return health;
}
