import { Bot } from "lucide-react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

/** The dashboard. With no bots yet it says what PolyAgent will show here. */
export function Dashboard() {
  return (
    <main className="mx-auto flex w-full max-w-6xl flex-1 flex-col gap-6 p-6" aria-label="Dashboard">
      <h2 className="text-2xl font-semibold tracking-tight">Dashboard</h2>
      <Card data-testid="empty-dashboard">
        <CardHeader className="items-center text-center">
          <Bot className="h-10 w-10 text-primary" aria-hidden />
          <CardTitle>No bots yet</CardTitle>
          <CardDescription className="max-w-md">
            Each bot trades one Polymarket outcome with its own wallet, strategy and risk limits. Your bots, their
            positions and their profit and loss will appear here.
          </CardDescription>
        </CardHeader>
        <CardContent />
      </Card>
    </main>
  );
}
