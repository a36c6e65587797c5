import { ErrorNote, TextField } from "@/components/flows/Field";
import type { EditableField, LimitsDraft } from "./draft";

export const LIMIT_FIELDS: { key: keyof LimitsDraft; label: string; hint: string; unit: string; testId: string }[] = [
  { key: "maxDailyLoss", label: "Daily loss", hint: "Pause all bots for the rest of the UTC day once realized losses reach this.", unit: "$", testId: "limit-daily-loss" },
  { key: "maxExposurePerBot", label: "Max exposure per bot", hint: "The most one bot may have invested at once.", unit: "$", testId: "limit-exposure-bot" },
  { key: "maxExposureTotal", label: "Max exposure, all bots", hint: "The most all bots together may have invested at once.", unit: "$", testId: "limit-exposure-total" },
  { key: "maxTradesPerDay", label: "Trades per day", hint: "Pause all bots for the rest of the UTC day after this many fills.", unit: "", testId: "limit-trades-per-day" },
];

/** The global daily limits as a form (shared by the wizard and the settings). */
export function LimitsFields({
  limits,
  issues,
  onChange,
  idPrefix,
}: {
  limits: LimitsDraft;
  issues: Partial<Record<keyof LimitsDraft, string>>;
  onChange: (limits: LimitsDraft) => void;
  idPrefix: string;
}) {
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      {LIMIT_FIELDS.map((f) => {
        const issue = issues[f.key];
        return (
          <TextField
            key={f.key}
            id={`${idPrefix}-${f.key}`}
            label={f.label}
            hint={f.hint}
            unit={f.unit}
            inputMode={f.key === "maxTradesPerDay" ? "numeric" : "decimal"}
            value={limits[f.key]}
            onChange={(e) => {
              onChange({ ...limits, [f.key]: e.target.value });
            }}
            issues={issue ? [issue] : []}
            testId={f.testId}
          />
        );
      })}
    </div>
  );
}

/** Step 4: this bot's trade size, then the limits every bot shares. */
export function LimitsStep({
  tradeSize,
  tradeSizeText,
  tradeSizeIssues,
  onTradeSize,
  limits,
  limitsIssues,
  limitsError,
  onLimits,
}: {
  tradeSize: EditableField | undefined;
  tradeSizeText: string;
  tradeSizeIssues: string[];
  onTradeSize: (text: string) => void;
  limits: LimitsDraft | null;
  limitsIssues: Partial<Record<keyof LimitsDraft, string>>;
  limitsError: string | null;
  onLimits: (limits: LimitsDraft) => void;
}) {
  return (
    <div className="flex flex-col gap-4">
      {tradeSize && (
        <TextField
          id="limit-trade-size"
          label={`${tradeSize.label} (this bot)`}
          hint={tradeSize.meaning}
          unit="$"
          inputMode="decimal"
          value={tradeSizeText}
          onChange={(e) => {
            onTradeSize(e.target.value);
          }}
          issues={tradeSizeIssues}
          testId="limit-trade-size"
        />
      )}
      <section className="flex flex-col gap-2">
        <h3 className="text-sm font-medium">Daily limits (shared by all bots)</h3>
        {limits ? (
          <LimitsFields limits={limits} issues={limitsIssues} onChange={onLimits} idPrefix="wizard-limits" />
        ) : (
          <p className="text-sm text-muted-foreground">Loading the current limits…</p>
        )}
        {limitsError && <ErrorNote testId="limits-error">{limitsError}</ErrorNote>}
      </section>
    </div>
  );
}
