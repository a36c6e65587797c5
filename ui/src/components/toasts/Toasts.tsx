/**
 * Toasts: short notices in a corner. Errors say what their code means (see `errorSentence`) with
 * the backend's message as detail, and stay until dismissed or 10 s; other toasts go after 6 s.
 * The region is a live region so screen readers announce each one.
 */
import { X } from "lucide-react";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { ApiError } from "@/bindings";
import { describeError } from "@/lib/errors";
import { cn } from "@/lib/cn";

export type ToastTone = "error" | "fill" | "info";
export type Toast = { id: number; tone: ToastTone; title: string; detail?: string };

const LIFETIME_MS: Record<ToastTone, number> = { error: 10_000, fill: 6_000, info: 6_000 };
/** More than this and the oldest go: a burst of fills must not cover the window. */
const MAX_SHOWN = 5;

type ToastApi = {
  push: (toast: Omit<Toast, "id">) => void;
  /** An error from a command, as a readable toast. */
  error: (error: ApiError) => void;
};

const ToastContext = createContext<ToastApi | null>(null);

export function useToasts(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error("useToasts outside <ToastProvider>");
  return api;
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);

  const push = useCallback((toast: Omit<Toast, "id">) => {
    const id = nextId.current++;
    setToasts((list) => [...list, { ...toast, id }].slice(-MAX_SHOWN));
  }, []);

  const api = useMemo<ToastApi>(
    () => ({
      push,
      error: (error) => {
        const { title, detail } = describeError(error);
        push({ tone: "error", title, detail });
      },
    }),
    [push],
  );

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div
        className="pointer-events-none fixed bottom-4 right-4 z-50 flex w-96 max-w-[calc(100vw-2rem)] flex-col gap-2"
        aria-live="polite"
        aria-label="Notifications"
        role="region"
        data-testid="toasts"
      >
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} onDismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  useEffect(() => {
    const timer = setTimeout(() => {
      onDismiss(toast.id);
    }, LIFETIME_MS[toast.tone]);
    return () => {
      clearTimeout(timer);
    };
  }, [toast.id, toast.tone, onDismiss]);

  return (
    <div
      role={toast.tone === "error" ? "alert" : "status"}
      data-testid={`toast-${toast.tone}`}
      className={cn(
        "pointer-events-auto flex items-start gap-3 rounded-lg border bg-card p-3 text-sm shadow-lg",
        toast.tone === "error" && "border-negative/60",
        toast.tone === "fill" && "border-positive/60",
        toast.tone === "info" && "border-border",
      )}
    >
      <span
        aria-hidden
        className={cn(
          "mt-1 h-2 w-2 shrink-0 rounded-full",
          toast.tone === "error" && "bg-negative",
          toast.tone === "fill" && "bg-positive",
          toast.tone === "info" && "bg-primary",
        )}
      />
      <div className="min-w-0 flex-1">
        <p className="font-medium">{toast.title}</p>
        {toast.detail && <p className="mt-0.5 break-words text-muted-foreground">{toast.detail}</p>}
      </div>
      <button
        type="button"
        onClick={() => {
          onDismiss(toast.id);
        }}
        aria-label="Dismiss notification"
        className="rounded p-0.5 text-muted-foreground hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
      >
        <X className="h-4 w-4" aria-hidden />
      </button>
    </div>
  );
}
