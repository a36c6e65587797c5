import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { BotSpec_Deserialize, BotSummary_Serialize, NewBotRequest_Deserialize } from "@/bindings";
import { apiError, book, CATALOG, CLOSED_MARKET, type Handler, LIMITS, mockBackend, OPEN_MARKET, SETTINGS } from "@/test/flows-fixtures";
import { CreateBotWizard } from "./CreateBotWizard";

const SUMMARY: BotSummary_Serialize = {
  id: "bot-1",
  name: "Yes · Will BTC hit 100k?",
  tokenId: "1111",
  strategy: "spike-sam",
  profile: "normal",
  status: "running",
  statusDetail: null,
  waitingFor: null,
  mode: "paper",
  feed: "live",
  price: null,
  positionShares: null,
  positionAvgEntry: null,
  realizedPnl: "0",
  unrealizedPnl: "0",
  fees: "0",
  trades: 0,
  paperCash: "100",
  question: "Will BTC hit 100k?",
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
};

/** The backend's rule for take profit, as validate_bot_spec reports it. */
function validate(args: Record<string, unknown>) {
  const spec = args.spec as BotSpec_Deserialize;
  const tp = spec.overrides?.take_profit_pct;
  if (tp != null && !(Number(tp) > 0)) return [{ field: "overrides.take_profit_pct", message: `must be above 0, got ${tp}` }];
  if (spec.name.trim() === "") return [{ field: "name", message: "must not be empty" }];
  return [];
}

function backend(extra: Record<string, Handler> = {}) {
  return mockBackend({
    catalog: () => CATALOG,
    get_daily_limits: () => LIMITS,
    set_daily_limits: () => null,
    validate_bot_spec: validate,
    search_markets: () => [OPEN_MARKET, CLOSED_MARKET],
    lookup_market: (args) => {
      if (String(args.input).includes("did-it-rain")) return CLOSED_MARKET;
      return OPEN_MARKET;
    },
    book_summary: (args) => book(String(args.tokenId)),
    create_bot: () => SUMMARY,
    ...extra,
  });
}

async function pickMarket(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByTestId("market-search-input"), "btc");
  await user.click(await screen.findByTestId("market-result-will-btc-hit-100k"));
  await user.click(screen.getByTestId("outcome-Yes"));
  await waitFor(() => {
    expect(screen.getByTestId("metric-spread")).toHaveTextContent("2¢");
  });
}

async function next(user: ReturnType<typeof userEvent.setup>) {
  const button = screen.getByTestId("wizard-next");
  await waitFor(() => {
    expect(button).toBeEnabled();
  });
  await user.click(button);
}

describe("CreateBotWizard", () => {
  it("walks a new paper bot from the market to creation and says what it will do", async () => {
    const calls = backend();
    const user = userEvent.setup();
    const onCreated = vi.fn();
    const onClose = vi.fn();
    render(<CreateBotWizard open onClose={onClose} onCreated={onCreated} />);

    await pickMarket(user);
    expect(screen.getByTestId("market-metrics")).toHaveTextContent("52¢");
    expect(screen.getByTestId("market-metrics")).toHaveTextContent("$12,000");
    await next(user);

    // Step 2: the profile's numbers, each with its meaning.
    expect(await screen.findByTestId("param-take_profit_pct")).toHaveValue("5");
    expect(screen.getByText("Sell when the position is up by this much.")).toBeInTheDocument();
    await next(user);

    // Step 3: paper money needs no wallet.
    expect(screen.getByTestId("mode-paper")).toBeChecked();
    expect(screen.queryByTestId("live-confirm")).not.toBeInTheDocument();
    await next(user);

    // Step 4: limits.
    expect(screen.getByTestId("limit-trade-size")).toHaveValue("5");
    expect(screen.getByTestId("limit-daily-loss")).toHaveValue("50");
    await next(user);

    expect(screen.getByTestId("review-text")).toHaveTextContent(
      "Buys $5 of 'Yes' on 'Will BTC hit 100k?' when the price drops 3% within 10-60 min; sells at +5% or -3% or after 1 h; paper money ($100 to start).",
    );
    expect(screen.getByTestId("bot-name")).toHaveValue("Yes · Will BTC hit 100k?");
    await waitFor(() => {
      expect(screen.getByTestId("wizard-create")).toBeEnabled();
    });
    await user.click(screen.getByTestId("wizard-create"));

    await waitFor(() => {
      expect(onCreated).toHaveBeenCalledWith(SUMMARY);
    });
    expect(onClose).toHaveBeenCalled();
    const create = calls.find((c) => c.cmd === "create_bot");
    const request = create?.args.request as NewBotRequest_Deserialize;
    expect(request.execution).toEqual({ mode: "paper", cash: "100" });
    expect(request.start).toBe(true);
    expect(request.spec).toMatchObject({ token_id: "1111", complement_token_id: "2222", strategy: "spike-sam", profile: "normal", overrides: {} });
    expect(calls.some((c) => c.cmd === "set_daily_limits")).toBe(false);
    expect(calls.filter((c) => c.cmd === "validate_bot_spec").every((c) => c.args.live === false)).toBe(true);
  });

  it("shows the backend's message under an invalid take profit and keeps Next disabled", async () => {
    backend();
    const user = userEvent.setup();
    render(<CreateBotWizard open onClose={vi.fn()} onCreated={vi.fn()} />);
    await pickMarket(user);
    await next(user);

    const tp = await screen.findByTestId("param-take_profit_pct");
    await user.clear(tp);
    await user.type(tp, "-1");
    expect(await screen.findByTestId("param-take_profit_pct-issue")).toHaveTextContent("must be above 0, got -1");
    expect(tp).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("wizard-next")).toBeDisabled();
    // Enter does not get past it either.
    await user.type(tp, "{Enter}");
    expect(screen.getByTestId("wizard-step-1")).toBeInTheDocument();

    await user.clear(tp);
    await user.type(tp, "abc");
    expect(screen.getByTestId("param-take_profit_pct-issue")).toHaveTextContent("enter a number");
    expect(screen.getByTestId("wizard-next")).toBeDisabled();

    await user.clear(tp);
    await user.type(tp, "6");
    await waitFor(() => {
      expect(screen.queryByTestId("param-take_profit_pct-issue")).not.toBeInTheDocument();
    });
    await next(user);
    expect(screen.getByTestId("wizard-step-2")).toBeInTheDocument();
  });

  it("refuses a closed market with a sentence", async () => {
    backend();
    const user = userEvent.setup();
    render(<CreateBotWizard open onClose={vi.fn()} onCreated={vi.fn()} />);
    await user.type(screen.getByTestId("market-search-input"), "https://polymarket.com/event/did-it-rain");
    expect(await screen.findByTestId("market-closed")).toHaveTextContent("This market is closed");
    expect(screen.queryByTestId("outcome-Yes")).not.toBeInTheDocument();
    expect(screen.getByTestId("wizard-next")).toBeDisabled();
  });

  it("says why creation failed and keeps everything typed", async () => {
    backend({
      create_bot: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects with the error value
        throw apiError("MARKET_CLOSED", "the market closed a moment ago");
      },
    });
    const user = userEvent.setup();
    const onCreated = vi.fn();
    render(<CreateBotWizard open onClose={vi.fn()} onCreated={onCreated} />);
    await pickMarket(user);
    await next(user);
    const tp = await screen.findByTestId("param-take_profit_pct");
    await user.clear(tp);
    await user.type(tp, "7");
    await next(user);
    await next(user);
    await next(user);
    const name = screen.getByTestId("bot-name");
    await user.clear(name);
    await user.type(name, "My bot");
    await waitFor(() => {
      expect(screen.getByTestId("wizard-create")).toBeEnabled();
    });
    await user.click(screen.getByTestId("wizard-create"));
    expect(await screen.findByTestId("wizard-error")).toHaveTextContent(
      "This market is closed or not open for trading. the market closed a moment ago",
    );
    expect(onCreated).not.toHaveBeenCalled();
    expect(screen.getByTestId("bot-name")).toHaveValue("My bot");
    expect(screen.getByTestId("review-text")).toHaveTextContent("sells at +7% or -3%");
  });

  it("needs a wallet and an explicit confirmation for real money", async () => {
    const calls = backend({
      get_settings: () => SETTINGS,
      list_wallets: () => [
        { address: "0x1234567890abcdef1234567890abcdef12345678", label: "main", signatureType: 0, funder: null, hasKey: true, testKey: false, usedBy: [] },
      ],
      wallet_balance: (args) => ({ address: String(args.addressOrLabel), pusd: "42.5", allowanceOk: true }),
    });
    const user = userEvent.setup();
    render(<CreateBotWizard open onClose={vi.fn()} onCreated={vi.fn()} />);
    await pickMarket(user);
    await next(user);
    await next(user);
    await user.click(screen.getByTestId("mode-live"));
    await user.click(await screen.findByTestId("wallet-main"));
    await waitFor(() => {
      expect(screen.getByTestId("live-confirm-text")).toHaveTextContent("real orders on Polymarket from 'main' with real money");
    });
    expect(await screen.findByTestId("wallet-balance")).toHaveTextContent("Balance $42.5 pUSD");
    // Without the confirmation Next stays off, whatever the check of the spec says.
    expect(screen.getByTestId("wizard-next")).toBeDisabled();
    await user.click(screen.getByTestId("live-confirm"));
    await next(user);
    await next(user);
    expect(screen.getByTestId("review-text")).toHaveTextContent("real money from wallet 'main'");
    const last = calls.filter((c) => c.cmd === "validate_bot_spec").at(-1);
    expect(last?.args.live).toBe(true);
    expect(last?.args.spec).toMatchObject({ wallet: "main", overrides: { dry_run: false } });
  });

  it("names the active exchange in the live confirmation, and off Polymarket asks for a test key", async () => {
    backend({
      get_settings: () => ({ ...SETTINGS, exchange: { kind: "simulator", url: "http://127.0.0.1:4100" } }),
      list_wallets: () => [
        { address: "0x1234567890abcdef1234567890abcdef12345678", label: "main", signatureType: 0, funder: null, hasKey: true, testKey: false, usedBy: [] },
        { address: "0xabcdefabcdefabcdefabcdefabcdefabcdefabcd", label: "tester", signatureType: 0, funder: null, hasKey: true, testKey: true, usedBy: [] },
      ],
      wallet_balance: (args) => ({ address: String(args.addressOrLabel), pusd: "10", allowanceOk: true }),
    });
    const user = userEvent.setup();
    render(<CreateBotWizard open onClose={vi.fn()} onCreated={vi.fn()} />);
    await pickMarket(user);
    await next(user);
    await next(user);
    await user.click(screen.getByTestId("mode-live"));
    expect(await screen.findByTestId("wallet-main")).toBeInTheDocument();
    const main = screen.getByTestId("wallet-main").closest("label");
    await waitFor(() => {
      expect(main).toHaveTextContent("Not a test key");
    });
    expect(main).toHaveTextContent("Not a test key: it trades live on Polymarket only, not on the simulator at http://127.0.0.1:4100.");
    await user.click(screen.getByTestId("wallet-tester"));
    const confirm = screen.getByTestId("live-confirm-text");
    expect(confirm).toHaveTextContent("signed orders on the simulator at http://127.0.0.1:4100 from 'tester'");
    expect(confirm).toHaveTextContent("nothing it signs is valid on Polymarket");
    expect(confirm).not.toHaveTextContent("real money");
  });

  it("goes on with Enter and closes with Escape", async () => {
    backend();
    const user = userEvent.setup();
    const onClose = vi.fn();
    render(<CreateBotWizard open onClose={onClose} onCreated={vi.fn()} />);
    await pickMarket(user);
    await waitFor(() => {
      expect(screen.getByTestId("wizard-next")).toBeEnabled();
    });
    await user.type(screen.getByTestId("market-search-input"), "{Enter}");
    expect(await screen.findByTestId("wizard-step-1")).toBeInTheDocument();
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).getByTestId("profile-normal")).toBeChecked();
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
  });
});

describe("CreateBotWizard, before typing and with the keyboard", () => {
  it("lists the demo's markets before anything is typed", async () => {
    backend({
      get_settings: () => ({ ...SETTINGS, exchange: { kind: "demo" } }),
      search_markets: (args) => (args.query === "demo" ? [OPEN_MARKET] : []),
    });
    const user = userEvent.setup();
    render(<CreateBotWizard open onClose={vi.fn()} onCreated={vi.fn()} />);
    await user.click(await screen.findByTestId("market-result-will-btc-hit-100k"));
    expect(screen.getByTestId("market-chosen")).toHaveTextContent("Will BTC hit 100k?");
  });

  it("keeps Tab inside the dialog", async () => {
    backend();
    const user = userEvent.setup();
    render(
      <>
        <button type="button">outside</button>
        <CreateBotWizard open onClose={vi.fn()} onCreated={vi.fn()} />
      </>,
    );
    const dialog = screen.getByRole("dialog");
    expect(screen.getByTestId("market-search-input")).toHaveFocus();
    for (let i = 0; i < 12; i++) {
      await user.tab();
      expect(dialog).toContainElement(document.activeElement as HTMLElement);
    }
    await user.tab({ shift: true });
    expect(dialog).toContainElement(document.activeElement as HTMLElement);
  });
});
