import { render, type RenderResult } from "@testing-library/react";
import type { ReactNode } from "react";
import { ToastProvider } from "@/components/toasts/Toasts";
import { BotsContext, BotsStore } from "@/store/bots";

/** Renders inside the providers the app gives its components: a bots store and toasts. */
export function renderWithStore(ui: ReactNode, store = new BotsStore()): RenderResult & { store: BotsStore } {
  const result = render(
    <BotsContext value={store}>
      <ToastProvider>{ui}</ToastProvider>
    </BotsContext>,
  );
  return { ...result, store };
}

/** jsdom lays nothing out: give scrolling elements a height so a virtualized list shows a window. */
export function withViewportHeight(height: number): () => void {
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => height });
  return () => {
    if (original) Object.defineProperty(HTMLElement.prototype, "clientHeight", original);
  };
}
