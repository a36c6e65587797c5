/**
 * The bots the window shows, kept in one store fed by events, so a click on a card renders its
 * details from memory instead of refetching the world.
 *
 * Invariants:
 * - A bot's summary is replaced whole by each `botStatusEvent`; a listing answer never overwrites a
 *   bot an event updated after that listing was asked for (the event is newer).
 * - Subscribers are per bot: a status or price change re-renders that bot's card only; the id list
 *   changes identity only when a bot is added or removed.
 * - Prices (`botPriceEvent`, up to 10/s per bot) live apart from summaries so they never rebuild the
 *   summary list.
 * - A summary carries everything a bot's details show (market, targets, TP/SL, hold start, wins),
 *   so a click on a card renders from memory alone.
 */
import { createContext, useCallback, useContext, useSyncExternalStore } from "react";
import type { BotFill, BotPrice_Serialize, BotSpike_Serialize, BotSummary_Serialize } from "@/bindings";
import { type Fixed, fixedOrZero, mulFixed, parseFixed } from "@/lib/decimal";

type Listener = () => void;

/** A bot as the window knows it: its summary carries its market, targets and figures. */
export type BotView = BotSummary_Serialize;
export type BotSpike = BotSpike_Serialize;

/** Fills and spikes seen this session, for a bot's chart markers. */
export type BotMarks = { fills: readonly BotFill[]; spikes: readonly BotSpike[] };
const NO_MARKS: BotMarks = { fills: [], spikes: [] };
/** Marks kept per bot: plenty for a day's chart, bounded for a week-long session. */
const MAX_MARKS = 500;

function byName(a: BotView, b: BotView): number {
  return a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

export class BotsStore {
  private bots = new Map<string, BotView>();
  private prices = new Map<string, BotPrice_Serialize>();
  private loaded = false;
  private listSnapshot: BotView[] = [];
  private idsSnapshot: string[] = [];
  private listDirty = false;
  private listeners = new Set<Listener>();
  private botListeners = new Map<string, Set<Listener>>();
  private priceListeners = new Map<string, Set<Listener>>();
  private marks = new Map<string, BotMarks>();
  private markListeners = new Map<string, Set<Listener>>();
  /** Bots an event touched since the last listing was asked for. */
  private touchedSinceListing = new Set<string>();

  /** Call when a listing is requested; its answer then yields to newer events. */
  beginListing(): void {
    this.touchedSinceListing.clear();
  }

  /** Replaces the set of bots with a listing's answer (keeping bots updated by newer events). */
  setAll(list: readonly BotView[]): void {
    const next = new Map<string, BotView>();
    for (const bot of list) {
      const newer = this.touchedSinceListing.has(bot.id) ? this.bots.get(bot.id) : undefined;
      next.set(bot.id, newer ?? bot);
    }
    for (const id of this.touchedSinceListing) {
      const bot = this.bots.get(id);
      if (bot && !next.has(id)) next.set(id, bot);
    }
    const changed = new Set([...this.bots.keys(), ...next.keys()]);
    this.bots = next;
    this.loaded = true;
    this.markListChanged();
    for (const id of changed) this.notify(this.botListeners.get(id));
  }

  /** A bot's new summary (from `botStatusEvent` or a command's answer). */
  upsert(bot: BotView): void {
    this.touchedSinceListing.add(bot.id);
    this.bots.set(bot.id, bot);
    this.markListChanged();
    this.notify(this.botListeners.get(bot.id));
  }

  remove(id: string): void {
    if (!this.bots.delete(id)) return;
    this.prices.delete(id);
    this.markListChanged();
    this.notify(this.botListeners.get(id));
  }

  setPrice(price: BotPrice_Serialize): void {
    this.prices.set(price.botId, price);
    this.notify(this.priceListeners.get(price.botId));
  }

  addFill(fill: BotFill): void {
    const marks = this.marks.get(fill.botId) ?? NO_MARKS;
    this.marks.set(fill.botId, { ...marks, fills: [...marks.fills, fill].slice(-MAX_MARKS) });
    this.notify(this.markListeners.get(fill.botId));
  }

  addSpike(spike: BotSpike): void {
    const marks = this.marks.get(spike.botId) ?? NO_MARKS;
    this.marks.set(spike.botId, { ...marks, spikes: [...marks.spikes, spike].slice(-MAX_MARKS) });
    this.notify(this.markListeners.get(spike.botId));
  }

  getMarks(id: string): BotMarks {
    return this.marks.get(id) ?? NO_MARKS;
  }

  subscribeMarks(id: string, listener: Listener): () => void {
    return addTo(this.markListeners, id, listener);
  }

  /** The first listing failed: show what events bring rather than "loading" forever. */
  markLoaded(): void {
    if (this.loaded) return;
    this.loaded = true;
    this.markListChanged();
  }

  isLoaded(): boolean {
    return this.loaded;
  }

  getBot(id: string): BotView | undefined {
    return this.bots.get(id);
  }

  getPrice(id: string): BotPrice_Serialize | undefined {
    return this.prices.get(id);
  }

  /** Every bot, by name; the same array until something changes. */
  getList(): BotView[] {
    if (this.listDirty) {
      this.listSnapshot = [...this.bots.values()].sort(byName);
      const ids = this.listSnapshot.map((b) => b.id);
      if (ids.length !== this.idsSnapshot.length || ids.some((id, i) => id !== this.idsSnapshot[i])) {
        this.idsSnapshot = ids;
      }
      this.listDirty = false;
    }
    return this.listSnapshot;
  }

  /** Bot ids in display order; a new array only when bots are added, removed or renamed. */
  getIds(): string[] {
    this.getList();
    return this.idsSnapshot;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  subscribeBot(id: string, listener: Listener): () => void {
    return addTo(this.botListeners, id, listener);
  }

  subscribePrice(id: string, listener: Listener): () => void {
    return addTo(this.priceListeners, id, listener);
  }

  private markListChanged(): void {
    this.listDirty = true;
    this.notify(this.listeners);
  }

  private notify(listeners: Set<Listener> | undefined): void {
    if (!listeners) return;
    for (const listener of [...listeners]) listener();
  }
}

function noop(): void {
  // Nothing to unsubscribe.
}

function addTo(map: Map<string, Set<Listener>>, id: string, listener: Listener): () => void {
  let set = map.get(id);
  if (!set) {
    set = new Set();
    map.set(id, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) map.delete(id);
  };
}

export const BotsContext = createContext<BotsStore | null>(null);

export function useBotsStore(): BotsStore {
  const store = useContext(BotsContext);
  if (!store) throw new Error("useBotsStore outside <BotsContext>");
  return store;
}

/** Every bot (re-renders on any bot's change: for the summary and the header, not for cards). */
export function useBotList(): BotView[] {
  const store = useBotsStore();
  return useSyncExternalStore(store.subscribe, () => store.getList());
}

/** Whether the first listing has answered. */
export function useBotsLoaded(): boolean {
  const store = useBotsStore();
  return useSyncExternalStore(store.subscribe, () => store.isLoaded());
}

/** Bot ids in display order (re-renders only when bots come, go or are renamed). */
export function useBotIds(): string[] {
  const store = useBotsStore();
  return useSyncExternalStore(store.subscribe, () => store.getIds());
}

/** One bot's summary, re-rendering on that bot's changes only. */
export function useBot(id: string | null): BotView | undefined {
  const store = useBotsStore();
  const subscribe = useCallback(
    (listener: Listener) => (id === null ? noop : store.subscribeBot(id, listener)),
    [store, id],
  );
  return useSyncExternalStore(subscribe, () => (id === null ? undefined : store.getBot(id)));
}

/** One bot's newest price event. */
export function useBotPrice(id: string | null): BotPrice_Serialize | undefined {
  const store = useBotsStore();
  const subscribe = useCallback(
    (listener: Listener) => (id === null ? noop : store.subscribePrice(id, listener)),
    [store, id],
  );
  return useSyncExternalStore(subscribe, () => (id === null ? undefined : store.getPrice(id)));
}

/** A bot's fills and spikes seen this session. */
export function useBotMarks(id: string | null): BotMarks {
  const store = useBotsStore();
  const subscribe = useCallback(
    (listener: Listener) => (id === null ? noop : store.subscribeMarks(id, listener)),
    [store, id],
  );
  return useSyncExternalStore(subscribe, () => (id === null ? NO_MARKS : store.getMarks(id)));
}

/**
 * A bot's unrealized P&L at its newest price. Status events (which carry the backend's figure)
 * come only when something visible changes, prices up to 10 a second; the position is marked at
 * the displayed price, so the figure moves by shares × (new price − the summary's price), exactly.
 */
export function markedUnrealized(bot: BotView, price: BotPrice_Serialize | undefined): Fixed {
  const base = fixedOrZero(bot.unrealizedPnl);
  const shares = fixedOrZero(bot.positionShares);
  const was = parseFixed(bot.price);
  const now = parseFixed(price?.price);
  if (shares === 0n || was === null || now === null) return base;
  return base + mulFixed(now - was, shares);
}
