import { OctagonAlert } from "lucide-react";
import { ConfirmButton } from "@/components/ConfirmButton";
import type { Killswitch } from "@/hooks/useKillswitch";

/** Shown on every view while the killswitch is tripped: nothing trades until it is re-armed. */
export function KillswitchBanner({ killswitch }: { killswitch: Killswitch }) {
  if (!killswitch.tripped) return null;
  return (
    <div
      role="alert"
      data-testid="killswitch-banner"
      className="flex flex-wrap items-center gap-3 bg-negative px-4 py-2 text-sm text-white lg:px-6"
    >
      <OctagonAlert className="h-5 w-5 shrink-0" aria-hidden />
      <p className="min-w-0 flex-1">
        <strong>Killswitch tripped: every bot is stopped and open orders were cancelled.</strong>
        {killswitch.reason && <span className="ml-1 opacity-90">Reason: {killswitch.reason}</span>}
      </p>
      <ConfirmButton
        variant="outline"
        className="h-8 border-white/70 bg-transparent text-white hover:bg-white/15"
        question="Re-arm the killswitch? Bots stay stopped until you start them."
        confirmLabel="Re-arm"
        onConfirm={() => void killswitch.arm()}
        busy={killswitch.arming}
        testId="killswitch-rearm"
      >
        Re-arm
      </ConfirmButton>
    </div>
  );
}
