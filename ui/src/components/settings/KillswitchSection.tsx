import { OctagonX, ShieldCheck } from "lucide-react";
import { useEffect, useState } from "react";
import { type ApiError, events } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, TextField } from "@/components/flows/Field";
import { Button } from "@/components/ui/button";
import { errorText } from "@/lib/errors";
import { dateText } from "@/lib/plain-words";
import { SavedNote, Section } from "./Section";

/** The word typed to confirm tripping the killswitch. */
export const KILLSWITCH_WORD = "STOP";

/**
 * The killswitch: tripping it stops every bot and cancels every live order, so it asks for the word
 * STOP typed out first. Re-arming lets bots be started again (they stay stopped).
 */
export function KillswitchSection() {
  const [tripped, setTripped] = useState<boolean | null>(null);
  const [why, setWhy] = useState<{ reason: string | null; atMs: number | null }>({ reason: null, atMs: null });
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    void commands.killswitchState().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") {
        setTripped(answer.data.tripped);
        setWhy(answer.data);
      } else setError(answer.error);
    });
    const unlisten = events.killswitchEvent.listen((event) => {
      if (!current) return;
      setTripped(event.payload.tripped);
      setWhy(event.payload);
    });
    return () => {
      current = false;
      void unlisten.then((stop) => {
        stop();
      });
    };
  }, []);

  const trip = async () => {
    if (typed !== KILLSWITCH_WORD) return;
    setBusy(true);
    setError(null);
    const answer = await commands.tripKillswitch(reason.trim() || "tripped from the settings");
    setBusy(false);
    if (answer.status === "error") {
      setError(answer.error);
      return;
    }
    setTripped(true);
    setWhy({ reason: reason.trim() || "tripped from the settings", atMs: null });
    setConfirming(false);
    setTyped("");
    setReason("");
    const n = answer.data.length;
    setNote(`Every bot is stopped; ${n} open order${n === 1 ? "" : "s"} cancelled.`);
  };

  const arm = async () => {
    setBusy(true);
    setError(null);
    const answer = await commands.armKillswitch();
    setBusy(false);
    if (answer.status === "error") {
      setError(answer.error);
      return;
    }
    setTripped(false);
    setNote("The killswitch is armed again. Stopped bots stay stopped until you start them.");
  };

  return (
    <Section
      title="Killswitch"
      description="Stops every bot at once and cancels every open order of every live wallet. It stays on, even after a restart, until you re-arm it."
      testId="settings-killswitch-section"
    >
      <p className="flex items-center gap-2 text-sm" data-testid="killswitch-state" data-tripped={tripped ?? undefined}>
        {tripped ? (
          <>
            <OctagonX className="h-4 w-4 text-negative" aria-hidden />
            <span className="font-medium text-negative">
              Tripped: no bot can trade.
              {why.reason ? ` Why: ${why.reason}.` : ""}
              {why.atMs ? ` Since ${dateText(why.atMs)}.` : ""}
            </span>
          </>
        ) : tripped === false ? (
          <>
            <ShieldCheck className="h-4 w-4 text-positive" aria-hidden />
            <span>Armed: bots trade normally.</span>
          </>
        ) : (
          <span className="text-muted-foreground">Checking…</span>
        )}
      </p>
      {tripped === false && !confirming && (
        <Button
          className="self-start bg-negative text-primary-foreground hover:bg-negative/90"
          onClick={() => {
            setConfirming(true);
            setNote(null);
          }}
          data-testid="settings-killswitch"
        >
          <OctagonX className="h-4 w-4" aria-hidden />
          Trip the killswitch…
        </Button>
      )}
      {tripped === false && confirming && (
        <form
          className="flex flex-col gap-2 rounded-md border border-negative/50 p-3"
          onSubmit={(e) => {
            e.preventDefault();
            void trip();
          }}
          data-testid="killswitch-confirm-form"
        >
          <TextField
            id="killswitch-reason"
            label="Why (optional, goes into the activity log)"
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
            }}
            testId="killswitch-reason"
          />
          <TextField
            id="killswitch-word"
            label={`Type ${KILLSWITCH_WORD} to stop every bot and cancel every order`}
            value={typed}
            onChange={(e) => {
              setTyped(e.target.value);
            }}
            autoComplete="off"
            testId="killswitch-confirm-input"
          />
          <div className="flex gap-2">
            <Button
              type="submit"
              className="bg-negative text-primary-foreground hover:bg-negative/90"
              disabled={typed !== KILLSWITCH_WORD || busy}
              data-testid="killswitch-confirm"
            >
              Stop everything
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setConfirming(false);
                setTyped("");
              }}
              data-testid="killswitch-cancel"
            >
              Cancel
            </Button>
          </div>
        </form>
      )}
      {tripped && (
        <Button variant="outline" className="self-start" onClick={() => void arm()} disabled={busy} data-testid="settings-killswitch-arm">
          Re-arm
        </Button>
      )}
      {error && <ErrorNote testId="killswitch-error">{errorText(error)}</ErrorNote>}
      <SavedNote text={note} testId="killswitch-note" />
    </Section>
  );
}
