import { cn } from "@/lib/cn";
import type { BackendHealth } from "@/hooks/useBackendHealth";

const LABEL: Record<BackendHealth["state"], string> = {
  connecting: "Connecting",
  live: "Live",
  unresponsive: "Not responding",
};

/** A dot and a word for the backend's health; the heartbeat count is there for the curious. */
export function BackendStatus({ health }: { health: BackendHealth }) {
  return (
    <div
      className="flex items-center gap-2 rounded-full border border-border px-3 py-1 text-xs"
      role="status"
      aria-label={`Backend: ${LABEL[health.state]}`}
      data-testid="backend-status"
      data-state={health.state}
    >
      <span
        aria-hidden
        className={cn(
          "h-2 w-2 rounded-full",
          health.state === "live" && "bg-positive",
          health.state === "connecting" && "bg-muted-foreground",
          health.state === "unresponsive" && "bg-warning",
        )}
      />
      <span className="font-medium">{LABEL[health.state]}</span>
      {health.state !== "connecting" && (
        <span className="tabular-nums text-muted-foreground" data-testid="heartbeat-seq">
          #{health.last.seq}
        </span>
      )}
    </div>
  );
}
