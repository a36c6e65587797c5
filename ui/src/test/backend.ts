/**
 * A fake backend for component tests: Tauri's IPC mocked with answers per command (snake_case
 * names, as the webview sends them). A handler's thrown ApiError comes back as the command's error;
 * a command with no handler is refused as Tauri refuses an unknown command (plain text).
 */
import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { act } from "@testing-library/react";
import type { ApiError, AppInfo, BotSummary_Serialize } from "@/bindings";

export type Handler = (args: Record<string, unknown>) => unknown;

export const INFO: AppInfo = { name: "PolyAgent", version: "9.8.7", profile: "debug", platform: "linux-x86_64" };

const DEFAULTS: Record<string, Handler> = {
  app_info: () => INFO,
  list_bots: () => [],
  killswitch_state: () => ({ tripped: false, reason: null, atMs: null, faults: [] }),
  activity: () => [],
  price_history: () => [],
};

/** Every command called, in order, with its arguments. */
export type CallLog = { cmd: string; args: Record<string, unknown> }[];

export function mockBackend(handlers: Record<string, Handler> = {}): CallLog {
  const calls: CallLog = [];
  const all = { ...DEFAULTS, ...handlers };
  mockIPC(
    (cmd, args) => {
      const payload = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: payload });
      const handler = all[cmd];
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects invoke() with plain text for an unknown command
      if (!handler) throw `command ${cmd} not found`;
      return handler(payload);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** Throws an ApiError the way a command handler answers one. */
export function fail(code: ApiError["code"], message: string): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects invoke() with the command's error value itself
  throw { code, message } satisfies ApiError;
}

/** Emits an event as the backend would, inside act(). */
export async function emitEvent(name: string, payload: unknown): Promise<void> {
  await act(async () => {
    await emit(name, payload);
  });
}

export function bot(overrides: Partial<BotSummary_Serialize> & { id: string }): BotSummary_Serialize {
  return {
    name: `Bot ${overrides.id}`,
    tokenId: `token-${overrides.id}`,
    strategy: "spike-sam",
    profile: "normal",
    status: "stopped",
    statusDetail: null,
    waitingFor: null,
    mode: "paper",
    feed: "live",
    price: "0.5",
    positionShares: null,
    positionAvgEntry: null,
    realizedPnl: "0",
    unrealizedPnl: "0",
    fees: "0",
    trades: 0,
    paperCash: "100",
    question: "Will the Fed cut rates in December?",
    outcome: "Yes",
    wallet: null,
    buyTarget: null,
    sellTarget: null,
    positionOpenedAtMs: null,
    takeProfitPrice: null,
    stopLossPrice: null,
    unrealizedPct: "0",
    takeProfitPct: "5",
    stopLossPct: "3",
    tradeSize: "5",
    maxHoldSecs: 3600,
    wins: 0,
    winRatePct: "0",
    todayTrades: 0,
    todayRealizedPnl: "0",
    ...overrides,
  };
}
