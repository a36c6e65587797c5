import { OctagonAlert } from "lucide-react";
import { ConfirmButton } from "@/components/ConfirmButton";
import type { SafetyFault } from "@/bindings";
import type { Killswitch } from "@/hooks/useKillswitch";

/** What is at fault and how the user repairs it, decided from the typed fault. */
function faultLine(fault: SafetyFault): string {
  const what = {
    killswitch: "The killswitch state",
    dailyLimits: "The daily limits",
    settings: "The settings (exchange)",
  }[fault.setting];
  const how = fault.problem === "unreadable" ? "unreadable" : "no longer accepted (saved by an older version)";
  const repair = {
    killswitch: "re-arm the killswitch (or trip it) to set it again",
    dailyLimits: "set the daily limits again in Settings",
    settings: "choose the exchange again in Settings",
  }[fault.setting];
  return `${what}: ${how}. To repair, ${repair}.`;
}

/** Shown on every view while the killswitch is tripped or safety state failed closed: nothing trades
 * until it is re-armed (and every fault is set again). */
export function KillswitchBanner({ killswitch }: { killswitch: Killswitch }) {
  if (!killswitch.tripped) return null;
  return (
    <div
      role="alert"
      data-testid="killswitch-banner"
      className="flex flex-wrap items-center gap-3 bg-negative px-4 py-2 text-sm text-white lg:px-6"
    >
      <OctagonAlert className="h-5 w-5 shrink-0" aria-hidden />
      {killswitch.faults.length > 0 ? (
        <div className="min-w-0 flex-1" data-testid="safety-faults">
          <strong>Safety settings failed closed: no bot trades until they are set again.</strong>
          <ul className="ml-1 list-disc pl-4 opacity-90">
            {killswitch.faults.map((fault) => (
              <li key={fault.setting}>{faultLine(fault)}</li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="min-w-0 flex-1">
          <strong>Killswitch tripped: every bot is stopped and open orders were cancelled.</strong>
          {killswitch.reason && <span className="ml-1 opacity-90">Reason: {killswitch.reason}</span>}
        </p>
      )}
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
