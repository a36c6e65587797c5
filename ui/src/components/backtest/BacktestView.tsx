import { FlaskConical, Play } from "lucide-react";
import { useEffect, useState } from "react";
import type { ApiError, BacktestResult, Catalog_Serialize, Profile, SeriesInfo } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, inputClass } from "@/components/flows/Field";
import { Button } from "@/components/ui/button";
import { editableFields, localParamIssue, type ParamText, paramsToOverrides, profileText } from "@/components/wizard/draft";
import { ParamFields } from "@/components/wizard/StrategyStep";
import { errorText } from "@/lib/errors";
import { cn } from "@/lib/cn";
import { cents, compareDecimal, dateText, duration, usd } from "@/lib/plain-words";
import { BacktestChart } from "./BacktestChart";

function signed(text: string, format: (t: string) => string): string {
  return compareDecimal(text, "0") > 0 ? `+${format(text)}` : format(text);
}

/**
 * Backtest: a strategy and profile (with any numbers changed) replayed over a recorded series by
 * the same strategy, risk and paper-fill code the bots run; the trades on a chart and a summary.
 */
export function BacktestView() {
  const [catalog, setCatalog] = useState<Catalog_Serialize | null>(null);
  const [series, setSeries] = useState<SeriesInfo[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [strategy, setStrategy] = useState("");
  const [profile, setProfile] = useState<Profile>("normal");
  const [params, setParams] = useState<ParamText>({});
  const [seriesId, setSeriesId] = useState("");
  const [busy, setBusy] = useState(false);
  const [runError, setRunError] = useState<ApiError | null>(null);
  const [report, setReport] = useState<BacktestResult | null>(null);

  useEffect(() => {
    let current = true;
    void commands.catalog().then((answer) => {
      if (!current) return;
      if (answer.status === "error") {
        setLoadError(answer.error);
        return;
      }
      const c = answer.data;
      setCatalog(c);
      setStrategy(c.strategies[0]?.id ?? "");
      const p = c.profiles.find((x) => x.id === "normal") ?? c.profiles[0];
      if (p) {
        setProfile(p.id);
        setParams(profileText(c, p.id));
      }
    });
    void commands.listSeries().then((answer) => {
      if (!current) return;
      if (answer.status === "error") {
        setLoadError(answer.error);
        return;
      }
      setSeries(answer.data);
      setSeriesId(answer.data[0]?.id ?? "");
    });
    return () => {
      current = false;
    };
  }, []);

  const fields = editableFields(catalog);
  const paramProblems = fields.some((f) => localParamIssue(f, params[f.key] ?? ""));
  const canRun = !!catalog && strategy !== "" && seriesId !== "" && !paramProblems && !busy;

  const run = async () => {
    if (!canRun) return;
    setBusy(true);
    setRunError(null);
    const overrides = paramsToOverrides(params, profileText(catalog, profile), catalog);
    const answer = await commands.runBacktest({ strategy, profile, overrides, series: seriesId });
    setBusy(false);
    if (answer.status === "ok") setReport(answer.data);
    else setRunError(answer.error);
  };

  const chosenSeries = series?.find((s) => s.id === seriesId);

  return (
    <main className="mx-auto flex w-full max-w-6xl flex-1 flex-col gap-4 overflow-y-auto p-6" aria-label="Backtest" data-testid="backtest">
      <div className="flex items-center gap-2">
        <FlaskConical className="h-6 w-6 text-primary" aria-hidden />
        <h2 className="text-2xl font-semibold tracking-tight">Backtest</h2>
      </div>
      <p className="text-sm text-muted-foreground">
        Replays a recorded price series through a strategy with the same risk rules and paper fills as a running bot.
      </p>
      {loadError && <ErrorNote testId="backtest-load-error">{errorText(loadError)}</ErrorNote>}

      <form
        className="flex flex-col gap-4 rounded-xl border border-border bg-card p-4"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div className="grid gap-3 sm:grid-cols-3">
          <label className="flex flex-col gap-1 text-sm font-medium">
            Strategy
            <select
              className={inputClass}
              value={strategy}
              onChange={(e) => {
                setStrategy(e.target.value);
              }}
              data-testid="backtest-strategy"
            >
              {catalog?.strategies.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            Profile
            <select
              className={inputClass}
              value={profile}
              onChange={(e) => {
                const p = e.target.value as Profile;
                setProfile(p);
                setParams(profileText(catalog, p));
              }}
              data-testid="backtest-profile"
            >
              {catalog?.profiles.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.id.charAt(0).toUpperCase() + p.id.slice(1)}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            Recorded series
            <select
              className={inputClass}
              value={seriesId}
              onChange={(e) => {
                setSeriesId(e.target.value);
              }}
              data-testid="backtest-series"
            >
              {series?.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.id} ({s.points} prices)
                </option>
              ))}
            </select>
          </label>
        </div>
        {series?.length === 0 && <p className="text-sm text-muted-foreground">No recorded series yet.</p>}
        {chosenSeries && (
          <p className="text-xs text-muted-foreground" data-testid="backtest-series-span">
            {dateText(chosenSeries.fromMs)} to {dateText(chosenSeries.toMs)}. {chosenSeries.attribution}
          </p>
        )}
        <details>
          <summary className="cursor-pointer text-sm font-medium">The profile's numbers</summary>
          <div className="mt-3 grid gap-3 sm:grid-cols-3">
            <ParamFields
              fields={fields}
              params={params}
              issues={new Map()}
              onParam={(key, value) => {
                setParams((old) => ({ ...old, [key]: value }));
              }}
              idPrefix="backtest-param"
            />
          </div>
        </details>
        <Button type="submit" className="self-start" disabled={!canRun} data-testid="backtest-run">
          <Play className="h-4 w-4" aria-hidden />
          {busy ? "Running…" : "Run"}
        </Button>
        {runError && <ErrorNote testId="backtest-error">{errorText(runError)}</ErrorNote>}
      </form>

      {report && (
        <section className="flex flex-col gap-4" aria-label="Result" data-testid="backtest-result">
          <dl className="grid grid-cols-2 gap-3 rounded-xl border border-border bg-card p-4 text-sm sm:grid-cols-4 lg:grid-cols-8" data-testid="backtest-summary">
            <Stat label="Round trips" value={String(report.trades)} testId="trades" />
            <Stat label="Win rate" value={report.trades === 0 ? "—" : `${report.winRatePct}%`} testId="win-rate" />
            <Stat label="Realized P&L" value={signed(report.realizedPnl, usd)} testId="pnl" tone={compareDecimal(report.realizedPnl, "0")} />
            <Stat label="Fees" value={usd(report.fees)} testId="fees" />
            <Stat label="Return" value={signed(report.returnPct, (t) => `${t}%`)} testId="return" tone={compareDecimal(report.returnPct, "0")} />
            <Stat label="Max drawdown" value={usd(report.maxDrawdown)} testId="drawdown" />
            <Stat label="Cash" value={`${usd(report.startingCash)} → ${usd(report.finalEquity)}`} testId="equity" />
            <Stat label="Prices replayed" value={String(report.ticks)} testId="ticks" />
          </dl>
          <div className="rounded-xl border border-border bg-card p-2">
            <BacktestChart points={report.points} trades={report.roundTrips} />
          </div>
          {report.roundTrips.length === 0 ? (
            <p className="text-sm text-muted-foreground" data-testid="backtest-no-trades">
              No trades: the strategy saw no entry in this series with these numbers.
            </p>
          ) : (
            <table className="w-full text-sm" data-testid="backtest-trades">
              <thead className="text-left text-xs text-muted-foreground">
                <tr>
                  <th className="py-1 font-medium">Bought (UTC)</th>
                  <th className="py-1 text-right font-medium">Entry</th>
                  <th className="py-1 text-right font-medium">Exit</th>
                  <th className="py-1 text-right font-medium">Shares</th>
                  <th className="py-1 text-right font-medium">Held</th>
                  <th className="py-1 pl-6 font-medium">Why it sold</th>
                  <th className="py-1 text-right font-medium">P&L</th>
                </tr>
              </thead>
              <tbody>
                {report.roundTrips.map((t, i) => (
                  <tr key={`${t.openedAtMs}-${i}`} className="border-t border-border">
                    <td className="py-1">{dateText(t.openedAtMs)}</td>
                    <td className="py-1 text-right tabular-nums">{cents(t.entryPrice)}</td>
                    <td className="py-1 text-right tabular-nums">{cents(t.exitPrice)}</td>
                    <td className="py-1 text-right tabular-nums">{t.shares}</td>
                    <td className="py-1 text-right tabular-nums">{duration(Math.round((t.closedAtMs - t.openedAtMs) / 1000))}</td>
                    <td className="py-1 pl-6">{t.exitReason}</td>
                    <td className={cn("py-1 text-right tabular-nums", compareDecimal(t.pnl, "0") > 0 ? "text-positive" : compareDecimal(t.pnl, "0") < 0 && "text-negative")}>
                      {signed(t.pnl, usd)} ({signed(t.pnlPct, (x) => `${x}%`)})
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </main>
  );
}

function Stat({ label, value, testId, tone = 0 }: { label: string; value: string; testId: string; tone?: number }) {
  return (
    <div className="flex flex-col">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd
        className={cn("text-base font-semibold tabular-nums", tone > 0 && "text-positive", tone < 0 && "text-negative")}
        data-testid={`backtest-summary-${testId}`}
      >
        {value}
      </dd>
    </div>
  );
}
