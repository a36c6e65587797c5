import { FolderOpen, Play } from "lucide-react";
import { useEffect, useState } from "react";
import type { ApiError, AppSettings_Serialize, DailyLimits, NotificationChoices } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, TextField } from "@/components/flows/Field";
import { Modal } from "@/components/flows/Modal";
import { Button } from "@/components/ui/button";
import { type LimitsDraft, fromLimitsDraft, limitsIssues, toLimitsDraft } from "@/components/wizard/draft";
import { LimitsFields } from "@/components/wizard/LimitsStep";
import { Choice } from "@/components/wizard/StrategyStep";
import { errorText } from "@/lib/errors";
import { KillswitchSection } from "./KillswitchSection";
import { SavedNote, Section } from "./Section";
import { VaultSection } from "./VaultSection";
import { WalletsSection } from "./WalletsSection";
import { isLoopbackSimulatorUrl } from "@/lib/simulator-url";

const NOTIFICATIONS: { key: keyof NotificationChoices; label: string }[] = [
  { key: "fills", label: "Fills (a bot bought or sold)" },
  { key: "botErrors", label: "Bot errors" },
  { key: "dailyLimits", label: "Daily limits reached" },
  { key: "staleFeeds", label: "Stale price feeds" },
];

const DEFAULT_SIMULATOR_URL = "http://127.0.0.1:4100";

/**
 * The global settings. Every switch saves at once (`updateSettings`); the exchange and the daily
 * limits save with their own button because a half-typed value must not be sent.
 */
export function SettingsModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Modal open={open} onClose={onClose} title="Settings" testId="settings" className="max-w-3xl">
      <SettingsBody />
    </Modal>
  );
}

function SettingsBody() {
  const [settings, setSettings] = useState<AppSettings_Serialize | null>(null);
  const [settingsError, setSettingsError] = useState<ApiError | null>(null);
  const [exchangeKind, setExchangeKind] = useState<"polymarket" | "simulator" | "demo">("polymarket");
  const [simulatorUrl, setSimulatorUrl] = useState(DEFAULT_SIMULATOR_URL);
  const [exchangeNote, setExchangeNote] = useState<string | null>(null);
  const [exchangeError, setExchangeError] = useState<ApiError | null>(null);
  const [limits, setLimits] = useState<LimitsDraft | null>(null);
  const [limitsError, setLimitsError] = useState<ApiError | null>(null);
  const [limitsNote, setLimitsNote] = useState<string | null>(null);
  const [logFolder, setLogFolder] = useState<string | null>(null);
  const [logError, setLogError] = useState<ApiError | null>(null);

  const showExchange = (s: AppSettings_Serialize) => {
    // The shell adds `{kind: "demo"}` (the simulator the app starts itself) to the choices.
    const kind: string = s.exchange.kind;
    setExchangeKind(kind === "simulator" ? "simulator" : kind === "demo" ? "demo" : "polymarket");
    if (s.exchange.kind === "simulator") setSimulatorUrl(s.exchange.url);
  };

  useEffect(() => {
    let current = true;
    void commands.getSettings().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") {
        setSettings(answer.data);
        showExchange(answer.data);
      } else setSettingsError(answer.error);
    });
    void commands.getDailyLimits().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") setLimits(toLimitsDraft(answer.data));
      else setLimitsError(answer.error);
    });
    void commands.logFolder().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") setLogFolder(answer.data);
      else setLogError(answer.error);
    });
    return () => {
      current = false;
    };
  }, []);

  const save = async (next: AppSettings_Serialize): Promise<ApiError | null> => {
    const answer = await commands.updateSettings(next);
    if (answer.status === "error") return answer.error;
    setSettings(answer.data);
    return null;
  };

  const saveSwitch = async (next: AppSettings_Serialize) => {
    setSettingsError(await save(next));
  };

  const applyExchange = async () => {
    if (!settings) return;
    setExchangeNote(null);
    const exchange = exchangeKind === "simulator" ? ({ kind: "simulator", url: simulatorUrl.trim() } as const) : ({ kind: "polymarket" } as const);
    const error = await save({ ...settings, exchange });
    setExchangeError(error);
    if (!error) setExchangeNote(exchangeKind === "polymarket" ? "PolyAgent now trades on Polymarket." : `PolyAgent now trades on the simulator at ${simulatorUrl.trim()}.`);
  };

  const startDemo = async () => {
    setExchangeNote(null);
    const answer = await commands.startDemo();
    if (answer.status === "error") {
      setExchangeError(answer.error);
      return;
    }
    setExchangeError(null);
    setSettings(answer.data);
    showExchange(answer.data);
    setExchangeNote("The demo simulator is running and PolyAgent now trades on it (paper bots, no account).");
  };

  const limitProblems = limits ? limitsIssues(limits) : {};
  const saveLimits = async () => {
    if (!limits || Object.keys(limitProblems).length > 0) return;
    setLimitsNote(null);
    const next: DailyLimits = fromLimitsDraft(limits);
    const answer = await commands.setDailyLimits(next);
    if (answer.status === "error") {
      setLimitsError(answer.error);
      return;
    }
    setLimitsError(null);
    setLimitsNote("Daily limits saved.");
  };

  const simulatorUrlIssue =
    exchangeKind === "simulator" && !isLoopbackSimulatorUrl(simulatorUrl.trim())
      ? "a simulator must run on this computer: enter an address such as http://127.0.0.1:4100"
      : null;

  return (
    <div className="flex flex-col">
      <Section title="General">
        {settings ? (
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-1"
              checked={settings.cancelOrdersOnShutdown}
              onChange={(e) => void saveSwitch({ ...settings, cancelOrdersOnShutdown: e.target.checked })}
              data-testid="settings-cancel-on-shutdown"
            />
            <span>
              Cancel every open order when PolyAgent closes
              <span className="block text-xs text-muted-foreground">Otherwise resting orders stay on the exchange while the app is off.</span>
            </span>
          </label>
        ) : (
          !settingsError && <p className="text-sm text-muted-foreground">Loading…</p>
        )}
        {settingsError && <ErrorNote testId="settings-error">{errorText(settingsError)}</ErrorNote>}
      </Section>

      <Section title="Exchange" description="Where bots trade. Stop running bots before switching." testId="settings-exchange">
        <div className="grid gap-2 sm:grid-cols-2">
          <Choice
            name="exchange"
            checked={exchangeKind === "polymarket"}
            onChange={() => {
              setExchangeKind("polymarket");
            }}
            title="Polymarket"
            description="The real exchange."
            testId="settings-exchange-polymarket"
          />
          <Choice
            name="exchange"
            checked={exchangeKind === "simulator"}
            onChange={() => {
              setExchangeKind("simulator");
            }}
            title="Local simulator"
            description="A PolyAgent simulator on this computer, for demos and offline paper trading."
            testId="settings-exchange-simulator"
          />
        </div>
        {exchangeKind === "demo" && (
          <p className="text-sm" data-testid="settings-exchange-demo">
            Now: the demo simulator PolyAgent runs on this computer (paper bots, no account).
          </p>
        )}
        {exchangeKind === "simulator" && (
          <TextField
            id="settings-simulator-url"
            label="Simulator address"
            value={simulatorUrl}
            onChange={(e) => {
              setSimulatorUrl(e.target.value);
            }}
            issues={simulatorUrlIssue ? [simulatorUrlIssue] : []}
            testId="settings-simulator-url"
          />
        )}
        <div className="flex flex-wrap gap-2">
          <Button onClick={() => void applyExchange()} disabled={!settings || !!simulatorUrlIssue || exchangeKind === "demo"} data-testid="settings-exchange-apply">
            Use this exchange
          </Button>
          <Button variant="outline" onClick={() => void startDemo()} data-testid="settings-start-demo">
            <Play className="h-4 w-4" aria-hidden />
            Start demo simulator
          </Button>
        </div>
        {exchangeError && <ErrorNote testId="settings-exchange-error">{errorText(exchangeError)}</ErrorNote>}
        <SavedNote text={exchangeNote} testId="settings-exchange-note" />
      </Section>

      <Section title="Notifications" description="Which desktop notifications to show." testId="settings-notifications">
        {settings && (
          <div className="grid gap-1 sm:grid-cols-2">
            {NOTIFICATIONS.map((n) => (
              <label key={n.key} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={settings.notifications[n.key]}
                  onChange={(e) => void saveSwitch({ ...settings, notifications: { ...settings.notifications, [n.key]: e.target.checked } })}
                  data-testid={`settings-notify-${n.key}`}
                />
                {n.label}
              </label>
            ))}
          </div>
        )}
      </Section>

      <KillswitchSection />

      <Section title="Daily limits" description="Shared by all bots; reaching one pauses bots until the next UTC day." testId="settings-limits">
        {limits && <LimitsFields limits={limits} issues={limitProblems} onChange={setLimits} idPrefix="settings-limits" />}
        <Button
          className="self-start"
          onClick={() => void saveLimits()}
          disabled={!limits || Object.keys(limitProblems).length > 0}
          data-testid="settings-limits-save"
        >
          Save limits
        </Button>
        {limitsError && <ErrorNote testId="settings-limits-error">{errorText(limitsError)}</ErrorNote>}
        <SavedNote text={limitsNote} testId="settings-limits-note" />
      </Section>

      <VaultSection />
      <WalletsSection />

      <Section title="Logs" description="What PolyAgent writes about its work, for troubleshooting (never keys)." testId="settings-logs">
        {logFolder && (
          <p className="break-all font-mono text-xs" data-testid="settings-log-folder">
            {logFolder}
          </p>
        )}
        <Button
          variant="outline"
          className="self-start"
          onClick={() =>
            void commands.openLogFolder().then((answer) => {
              setLogError(answer.status === "error" ? answer.error : null);
            })
          }
          data-testid="settings-open-log-folder"
        >
          <FolderOpen className="h-4 w-4" aria-hidden />
          Open the log folder
        </Button>
        {logError && <ErrorNote testId="settings-log-error">{errorText(logError)}</ErrorNote>}
      </Section>
    </div>
  );
}
