import { useEffect, useRef, useState } from "react";
import { type ApiError, type ConfirmRequestEvent, events } from "@/bindings";
import { commands } from "@/lib/commands";
import { Button } from "@/components/ui/button";

const QUESTION: Record<string, { title: string; body: (running: number) => string; act: string }> = {
  killswitch: {
    title: "Trip the killswitch?",
    body: () => "Every bot stops and every live wallet's open orders are cancelled. Nothing trades until you re-arm it.",
    act: "Trip killswitch",
  },
  quit: {
    title: "Quit PolyAgent?",
    body: (running) =>
      `${running === 1 ? "1 running bot stops" : `${running} running bots stop`}; their state is saved and they run again when the app starts.`,
    act: "Quit",
  },
};

/**
 * The tray's menu asks the window before anything that stops trading (`confirmRequestEvent`):
 * the killswitch, or quitting with bots running. Cancel has the focus, so Enter does no harm.
 */
export function TrayConfirm({ onError }: { onError: (error: ApiError) => void }) {
  const [request, setRequest] = useState<ConfirmRequestEvent | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const stop = events.confirmRequestEvent.listen((e) => {
      setRequest(e.payload);
    });
    return () => {
      void stop.then((f) => {
        f();
      });
    };
  }, []);
  useEffect(() => {
    if (request) cancelRef.current?.focus();
  }, [request]);

  const question = request ? QUESTION[request.action] : undefined;
  if (!request || !question) return null;

  const confirm = async () => {
    setRequest(null);
    const answer =
      request.action === "killswitch" ? await commands.tripKillswitch("tripped from the tray menu") : await commands.quitApp();
    if (answer.status === "error") onError(answer.error);
  };

  return (
    <div className="fixed inset-0 z-50 grid place-items-center bg-black/50 p-4">
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="tray-confirm-title"
        aria-describedby="tray-confirm-body"
        data-testid="tray-confirm"
        className="w-full max-w-md rounded-xl border border-border bg-card p-6 shadow-xl"
        onKeyDown={(e) => {
          if (e.key === "Escape") setRequest(null);
        }}
      >
        <h2 id="tray-confirm-title" className="text-lg font-semibold">
          {question.title}
        </h2>
        <p id="tray-confirm-body" className="mt-2 text-sm text-muted-foreground">
          {question.body(request.running)}
        </p>
        <div className="mt-5 flex justify-end gap-2">
          <Button
            ref={cancelRef}
            variant="outline"
            onClick={() => {
              setRequest(null);
            }}
          >
            Cancel
          </Button>
          <Button className="bg-negative text-white hover:bg-negative/90" onClick={() => void confirm()} data-testid="tray-confirm-yes">
            {question.act}
          </Button>
        </div>
      </div>
    </div>
  );
}
