import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";
import { cn } from "@/lib/cn";
import { clockTime } from "@/lib/locale";
import type { FeedRow } from "./activity-model";

/** Every row is one line this tall (long messages are cut with an ellipsis; the title has them whole). */
export const ROW_HEIGHT = 32;

const KIND_TONE: Record<string, string> = {
  order: "text-primary",
  fill: "text-positive",
  spike: "text-warning",
  risk: "text-warning",
  error: "text-negative",
  system: "text-muted-foreground",
};

/** How close (in rows) to the end of the list the view gets before the next page is asked for. */
const END_MARGIN = 50;

/**
 * The rows, virtualized: only those in view (and a few more) are in the DOM. `onEndReached` is
 * called when the view comes within {@link END_MARGIN} rows of the end (again after each change
 * while it stays there), so a short filtered list keeps asking until the view fills or the log ends.
 */
export function ActivityList({
  rows,
  botName,
  showBot,
  onEndReached,
}: {
  rows: readonly FeedRow[];
  botName: (id: string) => string;
  showBot: boolean;
  onEndReached?: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the build has no React Compiler to confuse; the virtualizer re-renders this component itself on scroll
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    getItemKey: (index) => rows[index]?.key ?? index,
  });
  const lastInView = virtualizer.getVirtualItems().at(-1)?.index ?? -1;
  useEffect(() => {
    if (onEndReached && rows.length > 0 && lastInView >= rows.length - 1 - END_MARGIN) onEndReached();
  }, [lastInView, rows.length, onEndReached]);

  if (rows.length === 0) {
    return <p className="p-4 text-sm text-muted-foreground">Nothing here yet. Orders, fills, spikes and risk events appear as they happen.</p>;
  }
  return (
    <div
      ref={scroller}
      className="h-full overflow-auto"
      tabIndex={0}
      role="log"
      aria-label="Activity lines, newest first"
      data-testid="activity-scroller"
    >
      <ol className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <li
              key={item.key}
              data-testid="activity-row"
              data-kind={row.kind ?? "pending"}
              data-stored={row.seq !== null}
              className="absolute left-0 flex w-full items-center gap-3 border-b border-border/50 px-3 text-sm"
              style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              title={row.message}
            >
              <time className="shrink-0 tabular-nums text-xs text-muted-foreground" dateTime={new Date(row.atMs).toISOString()}>
                {clockTime(row.atMs)}
              </time>
              <span className={cn("w-12 shrink-0 text-xs font-medium uppercase", KIND_TONE[row.kind ?? ""] ?? "text-muted-foreground")}>
                {row.kind ?? "new"}
              </span>
              {showBot && (
                <span className="w-28 shrink-0 truncate text-xs text-muted-foreground">
                  {row.botId ? botName(row.botId) : "PolyAgent"}
                </span>
              )}
              <span className="min-w-0 flex-1 truncate">{row.message}</span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
