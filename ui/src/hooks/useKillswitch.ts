import { useCallback, useEffect, useState } from "react";
import { type ApiError, commands } from "@/bindings";
import { type KillswitchState, pendingEvents } from "@/lib/pending-main";

export type Killswitch = KillswitchState & {
  /** Re-arms; bots stay stopped. */
  arm: () => Promise<void>;
  /** Asks the backend again (after the settings modal closes, say). */
  refresh: () => void;
  arming: boolean;
};

/** The killswitch: asked once, then followed through `killswitchEvent`. */
export function useKillswitch(onError: (error: ApiError) => void): Killswitch {
  const [state, setState] = useState<KillswitchState>({ tripped: false, reason: null });
  const [arming, setArming] = useState(false);

  const refresh = useCallback(() => {
    void commands.killswitchTripped().then((answer) => {
      if (answer.status === "ok") {
        setState((s) => (s.tripped === answer.data ? s : { tripped: answer.data, reason: null }));
      }
    });
  }, []);

  useEffect(() => {
    const stop = pendingEvents.killswitchEvent.listen((e) => {
      setState(e.payload);
    });
    refresh();
    return () => {
      void stop.then((f) => {
        f();
      });
    };
  }, [refresh]);

  const arm = useCallback(async () => {
    setArming(true);
    const answer = await commands.armKillswitch();
    setArming(false);
    if (answer.status === "ok") setState({ tripped: false, reason: null });
    else onError(answer.error);
  }, [onError]);

  return { ...state, arm, refresh, arming };
}
