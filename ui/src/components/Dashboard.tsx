import { MousePointerClick } from "lucide-react";
import type { ApiError } from "@/bindings";
import { ActivityFeed } from "@/components/activity/ActivityFeed";
import { BotList, EmptyBots } from "@/components/bots/BotList";
import { BotDetails } from "@/components/details/BotDetails";
import { SummaryBar } from "@/components/SummaryBar";
import { useBotIds, useBotsLoaded } from "@/store/bots";

/**
 * The main view: totals on top, the bots on the left, the selected bot's details on the right and
 * the activity log below. One column under 768 px; the details' cards pair up on wide screens.
 */
export function Dashboard({
  selectedBotId,
  onSelectBot,
  onCreateBot,
  onError,
}: {
  selectedBotId: string | null;
  onSelectBot: (id: string) => void;
  onCreateBot: () => void;
  onError: (error: ApiError) => void;
}) {
  const ids = useBotIds();
  const loaded = useBotsLoaded();
  const selected = selectedBotId !== null && ids.includes(selectedBotId) ? selectedBotId : null;

  return (
    <main className="min-h-0 flex-1 overflow-auto" aria-label="Dashboard">
      <div className="mx-auto flex w-full max-w-[1600px] flex-col gap-4 p-4 lg:p-6">
        {loaded && ids.length === 0 ? (
          <>
            <h2 className="text-2xl font-semibold tracking-tight">Dashboard</h2>
            <EmptyBots onCreateBot={onCreateBot} />
          </>
        ) : (
          <>
            <SummaryBar />
            <div className="grid items-start gap-4 md:grid-cols-[260px_minmax(0,1fr)] xl:grid-cols-[320px_minmax(0,1fr)]">
              <aside className="md:sticky md:top-0 md:max-h-[calc(100vh-7rem)] md:overflow-auto" aria-label="Bot list">
                <BotList selectedId={selected} onSelect={onSelectBot} onCreateBot={onCreateBot} onError={onError} />
              </aside>
              {selected ? (
                <BotDetails botId={selected} onError={onError} />
              ) : (
                <div className="flex min-h-48 flex-col items-center justify-center gap-2 rounded-xl border border-dashed border-border p-6 text-center text-sm text-muted-foreground">
                  <MousePointerClick className="h-6 w-6" aria-hidden />
                  Select a bot to see its live chart, position, targets and market.
                </div>
              )}
            </div>
            <ActivityFeed selectedBotId={selected} onError={onError} />
          </>
        )}
      </div>
    </main>
  );
}
