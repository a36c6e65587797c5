import { Bot, Plus } from "lucide-react";
import { useLayoutEffect } from "react";
import type { ApiError } from "@/bindings";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { markBotsShown } from "@/lib/startMarks";
import { useBotIds, useBotsLoaded } from "@/store/bots";
import { BotCard } from "./BotCard";

export function EmptyBots({ onCreateBot }: { onCreateBot: () => void }) {
  return (
    <Card data-testid="empty-dashboard">
      <CardHeader className="items-center text-center">
        <Bot className="h-10 w-10 text-primary" aria-hidden />
        <CardTitle>No bots yet</CardTitle>
        <CardDescription className="max-w-md">
          Each bot trades one Polymarket outcome with its own strategy and risk limits, on paper money or from a wallet.
          Create your first bot: pick a market, a strategy and its limits, then start it.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex justify-center">
        <Button onClick={onCreateBot}>
          <Plus className="h-4 w-4" aria-hidden />
          Create your first bot
        </Button>
      </CardContent>
    </Card>
  );
}

/** The bots, as cards; selecting one shows its details. */
export function BotList({
  selectedId,
  onSelect,
  onCreateBot,
  onError,
}: {
  selectedId: string | null;
  onSelect: (id: string) => void;
  onCreateBot: () => void;
  onError: (error: ApiError) => void;
}) {
  const ids = useBotIds();
  const loaded = useBotsLoaded();
  // After the cards are in the document, before the browser paints them (see startMarks).
  useLayoutEffect(() => {
    if (loaded) markBotsShown(ids.length);
  }, [loaded, ids.length]);

  if (!loaded) {
    return <p className="p-4 text-sm text-muted-foreground">Loading bots…</p>;
  }
  if (ids.length === 0) return <EmptyBots onCreateBot={onCreateBot} />;
  return (
    <ul className="flex flex-col gap-2" aria-label="Bots" data-testid="bot-list">
      {ids.map((id) => (
        <BotCard key={id} id={id} selected={id === selectedId} onSelect={onSelect} onError={onError} />
      ))}
    </ul>
  );
}
