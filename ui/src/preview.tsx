import { mockIPC } from "@tauri-apps/api/mocks";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BacktestView } from "@/components/backtest/BacktestView";
import { SettingsModal } from "@/components/settings/SettingsModal";
import { WelcomeView } from "@/components/welcome/WelcomeView";
import { UnlockVault } from "@/components/welcome/VaultForms";
import { CreateBotWizard } from "@/components/wizard/CreateBotWizard";
import { CATALOG, CLOSED_MARKET, LIMITS, OPEN_MARKET, SETTINGS, WALLET } from "@/test/flows-fixtures";
import "@/styles.css";

const T0 = Date.UTC(2026, 0, 5, 12);
const points = Array.from({ length: 400 }, (_, i) => {
  const p = (0.5 + 0.05 * Math.sin(i / 30) - (i > 200 && i < 230 ? 0.04 : 0)).toFixed(3);
  return { atMs: T0 + i * 15_000, price: p, high: p, low: p };
});
mockIPC((cmd, payload) => {
  const args = (payload ?? {}) as Record<string, unknown>;
  const h: Record<string, () => unknown> = {
    catalog: () => CATALOG,
    get_daily_limits: () => LIMITS,
    set_daily_limits: () => null,
    validate_bot_spec: () => {
      const spec = args.spec as { overrides: { take_profit_pct?: string } };
      const tp = spec.overrides.take_profit_pct;
      return tp != null && !(Number(tp) > 0) ? [{ field: "overrides.takeProfitPct", message: `must be above 0, got ${tp}` }] : [];
    },
    search_markets: () => [OPEN_MARKET, CLOSED_MARKET],
    lookup_market: () => OPEN_MARKET,
    book_metrics: () => ({ tokenId: "1111", bestBid: "0.51", bestAsk: "0.53", mid: "0.52", spread: "0.02", bidDepth: "300", askDepth: "250", tickSize: "0.01", minOrderSize: "5" }),
    list_wallets: () => [WALLET, { ...WALLET, address: "0xabcdef0000000000000000000000000000001234", label: "savings", usedBy: ["b1"] }],
    wallet_balances: () => ({ pusd: "42.5", allowanceOk: true }),
    get_settings: () => SETTINGS,
    update_settings: () => args.settings,
    killswitch_tripped: () => false,
    vault_status: () => ({ state: location.hash.includes("welcome") ? "missing" : "open", mode: "keychain", detail: null }),
    log_folder: () => "/home/me/.local/share/polyagent/logs",
    list_series: () => [{ id: "spiky", name: "Spiky market", points: 400, fromMs: T0, toMs: T0 + 6_000_000 }],
    run_backtest: () => ({
      trades: [
        { side: "buy", price: "0.46", shares: "10.8", atMs: T0 + 215 * 15_000, pnl: null },
        { side: "sell", price: "0.49", shares: "10.8", atMs: T0 + 240 * 15_000, pnl: "0.32" },
      ],
      summary: { trades: 2, wins: 1, losses: 0, realizedPnl: "0.32", fees: "0.02", returnPct: "6.4", maxDrawdownPct: "2.1" },
      points,
    }),
    start_demo: () => SETTINGS,
  };
  const f = h[cmd];
  if (!f) throw { code: "INTERNAL", message: `no ${cmd}` };
  return f();
});

const view = location.hash.slice(1);
function Preview() {
  if (view === "settings") return <SettingsModal open onClose={() => undefined} />;
  if (view === "welcome") return <WelcomeView onDone={() => undefined} />;
  if (view === "unlock") return <UnlockVault status={{ state: "locked", mode: "passphrase", detail: "no keychain" }} onUnlocked={() => undefined} />;
  if (view === "backtest") return <BacktestView />;
  return <CreateBotWizard open onClose={() => undefined} onCreated={() => undefined} />;
}
const root = document.getElementById("root");
if (root) createRoot(root).render(<StrictMode><div className="flex h-full flex-col"><Preview /></div></StrictMode>);
