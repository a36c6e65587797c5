import { Pause, Play, Square } from "lucide-react";
import { memo, useState } from "react";
import type { ApiError } from "@/bindings";
import { commands } from "@/lib/commands";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/cn";
import { fixedOrZero, formatPrice, formatUsd, signOf } from "@/lib/decimal";
import { useMarkClock } from "@/hooks/useMarkClock";
import { markedUnrealized, useBot, useBotsStore } from "@/store/bots";
import { ModeBadge, StatusBadge } from "./badges";

type Action = "start" | "stop" | "pause" | "resume";

const RUN: Record<Action, (id: string) => ReturnType<typeof commands.startBot>> = {
  start: commands.startBot,
  stop: commands.stopBot,
  pause: commands.pauseBot,
  resume: commands.resumeBot,
};

/** Which controls a status offers. */
export function actionsFor(status: string): Action[] {
  switch (status) {
    case "running":
      return ["pause", "stop"];
    case "paused":
      return ["resume", "stop"];
    default:
      return ["start"];
  }
}

const ACTION_LABEL: Record<Action, string> = { start: "Start", stop: "Stop", pause: "Pause", resume: "Resume" };

/** One bot in the list; re-renders only when this bot changes. */
export const BotCard = memo(function BotCard({
  id,
  selected,
  onSelect,
  onError,
}: {
  id: string;
  selected: boolean;
  onSelect: (id: string) => void;
  onError: (error: ApiError) => void;
}) {
  const bot = useBot(id);
  const store = useBotsStore();
  // Prices move the card once a second (the mark clock), not at each price event.
  useMarkClock();
  const [pending, setPending] = useState<Action | null>(null);
  if (!bot) return null;

  const price = store.getPrice(id);
  const pnl = fixedOrZero(bot.realizedPnl) + markedUnrealized(bot, price);
  const act = async (action: Action) => {
    setPending(action);
    const answer = await RUN[action](bot.id);
    setPending(null);
    if (answer.status === "error") onError(answer.error);
  };

  return (
    <li
      data-testid={`bot-card-${bot.id}`}
      data-status={bot.status}
      className={cn(
        "group relative rounded-lg border bg-card p-3 shadow-sm transition-colors",
        selected ? "border-primary ring-1 ring-primary" : "border-border hover:border-primary/50",
        bot.mode === "live" && "border-l-4 border-l-negative",
      )}
      onClick={() => {
        onSelect(bot.id);
      }}
    >
      <div className="flex items-start justify-between gap-2">
        <button
          type="button"
          className="min-w-0 flex-1 rounded text-left focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          aria-pressed={selected}
          aria-label={`Show ${bot.name}`}
          onClick={(e) => {
            e.stopPropagation();
            onSelect(bot.id);
          }}
        >
          <span className="block truncate font-semibold">{bot.name}</span>
          <span className="block truncate text-xs text-muted-foreground" title={bot.question || undefined}>
            {bot.question || bot.strategy}
            {bot.outcome ? ` · ${bot.outcome}` : ""}
          </span>
        </button>
        <ModeBadge mode={bot.mode} />
      </div>
      <div className="mt-2 flex items-center justify-between gap-2 text-sm">
        <StatusBadge status={bot.status} />
        <span className="tabular-nums text-muted-foreground" title="Last price">
          {formatPrice(price?.price ?? bot.price)}
        </span>
        <span
          className={cn(
            "font-semibold tabular-nums",
            signOf(pnl) > 0 && "text-positive",
            signOf(pnl) < 0 && "text-negative",
          )}
          data-testid="bot-card-pnl"
          title="Realized + unrealized P&L"
        >
          {formatUsd(pnl, { signed: true })}
        </span>
      </div>
      {bot.status === "error" && bot.statusDetail && (
        <p className="mt-1 line-clamp-2 text-xs text-negative">{bot.statusDetail}</p>
      )}
      <div className="mt-2 flex gap-1.5">
        {actionsFor(bot.status).map((action) => (
          <Button
            key={action}
            variant="outline"
            className="h-7 px-2 text-xs"
            disabled={pending !== null}
            aria-label={`${ACTION_LABEL[action]} ${bot.name}`}
            data-testid={`bot-${action}-${bot.id}`}
            onClick={(e) => {
              e.stopPropagation();
              void act(action);
            }}
          >
            {action === "start" || action === "resume" ? (
              <Play className="h-3.5 w-3.5" aria-hidden />
            ) : action === "pause" ? (
              <Pause className="h-3.5 w-3.5" aria-hidden />
            ) : (
              <Square className="h-3.5 w-3.5" aria-hidden />
            )}
            {ACTION_LABEL[action]}
          </Button>
        ))}
      </div>
    </li>
  );
});
