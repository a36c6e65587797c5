import { cn } from "@/lib/cn";

/** PAPER or LIVE, impossible to miss: live is solid red, paper an amber outline. */
export function ModeBadge({ mode }: { mode: string }) {
  const live = mode === "live";
  return (
    <span
      className={cn(
        "inline-flex items-center rounded px-1.5 py-0.5 text-[11px] font-bold uppercase tracking-wider",
        live ? "bg-negative text-white" : "border border-warning text-warning",
      )}
      data-testid="mode-badge"
      data-mode={live ? "live" : "paper"}
      title={live ? "Trades real money" : "Simulated trades with paper money"}
    >
      {live ? "LIVE" : "PAPER"}
    </span>
  );
}

const STATUS_LABEL: Record<string, string> = {
  created: "Created",
  stopped: "Stopped",
  running: "Running",
  paused: "Paused",
  error: "Error",
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status;
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium",
        status === "running" && "bg-positive/15 text-positive",
        status === "paused" && "bg-warning/15 text-warning",
        status === "error" && "bg-negative/15 text-negative",
        (status === "stopped" || status === "created") && "bg-muted text-muted-foreground",
      )}
      data-testid="status-badge"
      data-status={status}
    >
      <span aria-hidden className="h-1.5 w-1.5 rounded-full bg-current" />
      {statusLabel(status)}
    </span>
  );
}
