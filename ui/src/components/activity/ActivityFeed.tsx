import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type ApiError, events } from "@/bindings";
import { commands } from "@/lib/commands";
import { cn } from "@/lib/cn";
import { count } from "@/lib/locale";
import { useBotsStore } from "@/store/bots";
import { ActivityList } from "./ActivityList";
import {
  addProvisional,
  applyFilter,
  FILTERS,
  type FeedRow,
  type FilterKey,
  MAX_ROWS,
  mergeStored,
  oldestStored,
  signature,
} from "./activity-model";

const EMPTY: FeedRow[] = [];

/** Lines read from the log per request (the command's maximum). */
export const PAGE = 1000;
/** After a live line, wait this long for its step to commit, then read the log's head. */
const HEAD_READ_DELAY_MS = 300;
/** Reads again while live lines are not in the log yet, this often, this many times. */
const HEAD_RETRY_MS = 1_000;
const HEAD_READ_RETRIES = 5;

/** How far back the feed has read the log, for one scope. */
type Older = { scope: string | null; exhausted: boolean; loading: boolean };

/**
 * The activity log of all bots or the selected one: the newest lines from the log, then live lines
 * from `botActivityEvent` (each followed by a read of the log's head, which gives them their kind).
 * Older lines are read a page at a time (a cursor: the oldest line shown) when the list is
 * scrolled near its end or "Older lines" is pressed, back to the log's start or
 * {@link MAX_ROWS} lines.
 */
export const ActivityFeed = memo(function ActivityFeed({
  selectedBotId,
  onError,
  compact = false,
}: {
  selectedBotId: string | null;
  onError: (error: ApiError) => void;
  compact?: boolean;
}) {
  const store = useBotsStore();
  const [onlySelected, setOnlySelected] = useState(false);
  const [filter, setFilter] = useState<FilterKey>("all");
  const scope = onlySelected ? selectedBotId : null;
  // Rows belong to the scope they were read for; another scope's never show.
  const [feed, setFeed] = useState<{ scope: string | null; rows: FeedRow[] }>({ scope: null, rows: [] });
  const rows = feed.scope === scope ? feed.rows : EMPTY;
  const [olderState, setOlder] = useState<Older>({ scope: null, exhausted: false, loading: false });
  const older: Older = olderState.scope === scope ? olderState : { scope, exhausted: false, loading: false };
  const atCap = rows.length >= MAX_ROWS;
  const reading = useRef(false);

  const readHead = useCallback(
    async (botId: string | null) => {
      const answer = await commands.activity(botId, null, PAGE, null);
      return answer.status === "ok" ? answer.data : (onError(answer.error), null);
    },
    [onError],
  );

  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let retries = 0;
    /** Live lines not yet found in the log. */
    const waiting = new Set<string>();
    const refresh = () => {
      void readHead(scope).then((lines) => {
        if (!current || !lines) return;
        setFeed((f) => ({ scope, rows: mergeStored(f.scope === scope ? f.rows : EMPTY, lines) }));
        // A head shorter than a page is the whole log: there is nothing older to read.
        if (lines.length < PAGE) setOlder({ scope, exhausted: true, loading: false });
        for (const l of lines) waiting.delete(signature(l.botId, l.atMs, l.message));
        // A step may commit after the read: read again a few times; a line that is never
        // stored (a failed save says so) keeps its "new" row.
        if (waiting.size > 0 && retries < HEAD_READ_RETRIES) {
          retries += 1;
          clearTimeout(timer);
          timer = setTimeout(refresh, HEAD_RETRY_MS);
        } else waiting.clear();
      });
    };
    const stop = events.botActivityEvent.listen((e) => {
      if (scope !== null && e.payload.botId !== scope) return;
      setFeed((f) => ({ scope, rows: addProvisional(f.scope === scope ? f.rows : EMPTY, e.payload) }));
      waiting.add(signature(e.payload.botId, e.payload.atMs, e.payload.text));
      clearTimeout(timer);
      retries = 0;
      timer = setTimeout(refresh, HEAD_READ_DELAY_MS);
    });
    refresh();
    return () => {
      current = false;
      clearTimeout(timer);
      void stop.then((f) => {
        f();
      });
    };
  }, [scope, readHead]);

  const loadOlder = useCallback(() => {
    const oldest = oldestStored(rows);
    if (reading.current || older.exhausted || atCap || !oldest) return;
    reading.current = true;
    setOlder({ scope, exhausted: false, loading: true });
    void commands.activity(scope, null, PAGE, oldest).then((answer) => {
      reading.current = false;
      if (answer.status !== "ok") {
        onError(answer.error);
        setOlder({ scope, exhausted: false, loading: false });
        return;
      }
      // A page for a scope no longer shown is dropped.
      setFeed((f) => (f.scope === scope ? { scope, rows: mergeStored(f.rows, answer.data) } : f));
      setOlder({ scope, exhausted: answer.data.length < PAGE, loading: false });
    });
  }, [rows, scope, older.exhausted, atCap, onError]);

  const shown = useMemo(() => applyFilter(rows, filter), [rows, filter]);
  const botName = useCallback((id: string) => store.getBot(id)?.name ?? id.slice(0, 8), [store]);
  const selectedName = selectedBotId ? botName(selectedBotId) : null;

  return (
    <section
      className={cn("flex min-h-0 flex-col rounded-xl border border-border bg-card shadow-sm", compact ? "h-64" : "h-96")}
      aria-label="Activity"
      data-testid="activity-feed"
    >
      <div className="flex flex-wrap items-center gap-2 border-b border-border px-3 py-2">
        <h2 className="mr-2 text-base font-semibold">Activity</h2>
        <div role="group" aria-label="Whose activity" className="flex rounded-md border border-border p-0.5 text-xs">
          <ScopeButton pressed={!onlySelected} onClick={() => { setOnlySelected(false); }}>
            All bots
          </ScopeButton>
          <ScopeButton
            pressed={onlySelected}
            disabled={selectedBotId === null}
            onClick={() => { setOnlySelected(true); }}
          >
            {selectedName ? `Only ${selectedName}` : "Selected bot"}
          </ScopeButton>
        </div>
        <div role="group" aria-label="Kinds of activity" className="flex flex-wrap gap-1">
          {FILTERS.map((f) => (
            <button
              key={f.key}
              type="button"
              aria-pressed={filter === f.key}
              data-testid={`activity-filter-${f.key}`}
              onClick={() => {
                setFilter(f.key);
              }}
              className={cn(
                "rounded-full border px-2.5 py-0.5 text-xs font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
                filter === f.key ? "border-primary bg-primary text-primary-foreground" : "border-border hover:bg-muted",
              )}
            >
              {f.label}
            </button>
          ))}
        </div>
        <span className="ml-auto text-xs tabular-nums text-muted-foreground" data-testid="activity-count">
          {count(shown.length)} lines
        </span>
      </div>
      <div className="min-h-0 flex-1">
        <ActivityList rows={shown} botName={botName} showBot={scope === null} onEndReached={loadOlder} />
      </div>
      {rows.length > 0 && (
        <div className="border-t border-border px-3 py-1 text-xs text-muted-foreground" data-testid="activity-older" aria-live="polite">
          {older.loading ? (
            "Reading older lines…"
          ) : atCap ? (
            `The newest ${count(MAX_ROWS)} lines are shown; export the log as CSV for all of it.`
          ) : older.exhausted ? (
            "The start of the log."
          ) : (
            <button
              type="button"
              onClick={loadOlder}
              className="rounded px-1 font-medium text-foreground hover:bg-muted focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            >
              Older lines
            </button>
          )}
        </div>
      )}
    </section>
  );
});

function ScopeButton({
  pressed,
  disabled,
  onClick,
  children,
}: {
  pressed: boolean;
  disabled?: boolean;
  onClick: () => void;
  children: React.ReactNode;
}) {
  return (
    <button
      type="button"
      aria-pressed={pressed}
      disabled={disabled}
      onClick={onClick}
      className={cn(
        "max-w-40 truncate rounded px-2 py-0.5 font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring disabled:opacity-50",
        pressed ? "bg-muted text-foreground" : "text-muted-foreground hover:bg-muted",
      )}
    >
      {children}
    </button>
  );
}
