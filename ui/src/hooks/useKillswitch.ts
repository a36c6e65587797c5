import { useCallback, useEffect, useState } from "react";
import { type ApiError, events, type KillswitchState_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";

export type KillswitchState = KillswitchState_Serialize;

export type Killswitch = KillswitchState & {
  /** Re-arms; bots stay stopped. */
  arm: () => Promise<void>;
  /** Asks the backend again (after the settings modal closes, say). */
  refresh: () => void;
  arming: boolean;
};

const ARMED: KillswitchState = { tripped: false, reason: null, atMs: null, faults: [] };

/** The killswitch: asked once (`killswitchState`), then followed through `killswitchEvent`. */
export function useKillswitch(onError: (error: ApiError) => void): Killswitch {
  const [state, setState] = useState<KillswitchState>(ARMED);
  const [arming, setArming] = useState(false);

  const refresh = useCallback(() => {
    void commands.killswitchState().then((answer) => {
      if (answer.status === "ok") setState(answer.data);
    });
  }, []);

  useEffect(() => {
    const stop = events.killswitchEvent.listen((e) => {
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
    // Asked again: other safety faults (limits, settings) may still keep the bots stopped.
    if (answer.status === "ok") refresh();
    else onError(answer.error);
  }, [onError, refresh]);

  return { ...state, arm, refresh, arming };
}
