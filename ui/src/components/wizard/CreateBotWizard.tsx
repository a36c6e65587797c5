import { useEffect, useMemo, useRef, useState } from "react";
import type { BotSummary_Serialize, Catalog_Serialize, DailyLimits, FieldIssue } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, IssueText, TextField } from "@/components/flows/Field";
import { Modal } from "@/components/flows/Modal";
import { Button } from "@/components/ui/button";
import { errorText } from "@/lib/errors";
import { cn } from "@/lib/cn";
import {
  defaultName,
  type Draft,
  editableFields,
  emptyDraft,
  fieldKey,
  fromLimitsDraft,
  isTradeSize,
  issuesByField,
  limitsIssues,
  localParamIssue,
  marketRefusal,
  profileText,
  reviewSentence,
  selectedOutcome,
  type Step,
  STEPS,
  stepOfField,
  toLimitsDraft,
  toRequest,
  toSpec,
} from "./draft";
import { LimitsStep } from "./LimitsStep";
import { MarketStep } from "./MarketStep";
import { paramIssues, StrategyStep } from "./StrategyStep";
import { paperCashIssue, WalletStep } from "./WalletStep";

/** How long typing pauses before the backend checks the spec. */
export const VALIDATE_DEBOUNCE_MS = 150;

type Validation = { key: string; issues: FieldIssue[]; error: string | null };

/**
 * Create bot, as a five-step click-through: market, strategy and profile, wallet, limits, review.
 * Every change is checked with the backend's rules (`validateBotSpec`, debounced) and each issue is
 * shown under its field; Next waits for the check of what is on screen. The draft survives errors
 * and closing; it is cleared only once the bot exists. After `onCreated` the wizard closes itself.
 * Keys: Enter = Next (Create on the last step), Esc = close; Tab stays inside the dialog.
 */
export function CreateBotWizard({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (summary: BotSummary_Serialize) => void;
}) {
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [step, setStep] = useState<Step>(0);
  const [catalog, setCatalog] = useState<Catalog_Serialize | null>(null);
  const [catalogError, setCatalogError] = useState<string | null>(null);
  const [validation, setValidation] = useState<Validation | null>(null);
  const [savedLimits, setSavedLimits] = useState<DailyLimits | null>(null);
  const [limitsError, setLimitsError] = useState<string | null>(null);
  const [createError, setCreateError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [walletName, setWalletName] = useState<string | undefined>(undefined);
  const body = useRef<HTMLDivElement>(null);

  const update = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
  };

  useEffect(() => {
    if (!open || catalog) return;
    let current = true;
    void commands.catalog().then((answer) => {
      if (!current) return;
      if (answer.status === "error") {
        setCatalogError(errorText(answer.error));
        return;
      }
      const c = answer.data;
      setCatalog(c);
      setCatalogError(null);
      setDraft((d) => {
        const strategy = c.strategies.some((s) => s.id === d.strategy) ? d.strategy : (c.strategies[0]?.id ?? d.strategy);
        const profile = c.profiles.some((p) => p.id === d.profile) ? d.profile : (c.profiles[0]?.id ?? d.profile);
        const params = Object.keys(d.params).length > 0 ? d.params : profileText(c, profile);
        return { ...d, strategy, profile, params };
      });
    });
    return () => {
      current = false;
    };
  }, [open, catalog]);

  useEffect(() => {
    if (!open || draft.limits) return;
    let current = true;
    void commands.getDailyLimits().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") {
        setSavedLimits(answer.data);
        setDraft((d) => (d.limits ? d : { ...d, limits: toLimitsDraft(answer.data) }));
      } else setLimitsError(errorText(answer.error));
    });
    return () => {
      current = false;
    };
  }, [open, draft.limits]);

  const spec = useMemo(() => toSpec(draft, catalog), [draft, catalog]);
  const live = draft.mode === "live";
  const specKey = useMemo(() => JSON.stringify({ spec, live }), [spec, live]);

  useEffect(() => {
    if (!open || !catalog) return;
    let current = true;
    const timer = setTimeout(() => {
      void commands.validateBotSpec(spec, live).then((answer) => {
        if (!current) return;
        setValidation(
          answer.status === "ok"
            ? { key: specKey, issues: answer.data, error: null }
            : { key: specKey, issues: [], error: errorText(answer.error) },
        );
      });
    }, VALIDATE_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // specKey stands for spec.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, catalog, specKey]);

  useEffect(() => {
    // Each step starts at its first field, so Enter and typing work without the mouse.
    body.current?.querySelector<HTMLElement>("input:not([disabled]), select:not([disabled])")?.focus();
  }, [step]);

  const settled = validation?.key === specKey;
  const issues = useMemo(() => validation?.issues ?? [], [validation]);
  const byField = useMemo(() => issuesByField(issues), [issues]);
  const stepIssues = (s: Step) => issues.filter((i) => stepOfField(i.field) === s);

  const fields = useMemo(() => editableFields(catalog), [catalog]);
  const shownParams = fields.filter((f) => !isTradeSize(f.key));
  const tradeSizeParam = fields.find((f) => isTradeSize(f.key));
  const tradeSizeText = tradeSizeParam ? (draft.params[tradeSizeParam.key] ?? "") : "";
  const tradeSizeIssues = tradeSizeParam ? paramIssues(tradeSizeParam, tradeSizeText, byField) : [];
  const limitProblems = draft.limits ? limitsIssues(draft.limits) : {};

  const shownStrategyKeys = new Set(["strategy", "profile", ...shownParams.map((p) => fieldKey(p.key))]);
  const otherStrategyIssues = stepIssues(1)
    .filter((i) => !shownStrategyKeys.has(fieldKey(i.field)))
    .map((i) => `${i.field}: ${i.message}`);

  const stepOk: Record<Step, boolean> = {
    0: !!draft.market && !marketRefusal(draft.market) && !!selectedOutcome(draft) && stepIssues(0).length === 0,
    1: !!catalog && shownParams.every((p) => !localParamIssue(p, draft.params[p.key] ?? "")) && stepIssues(1).length === 0,
    2:
      draft.mode === "paper"
        ? !paperCashIssue(draft.paperCash)
        : !!draft.wallet && draft.liveConfirmed && stepIssues(2).length === 0,
    3: tradeSizeIssues.length === 0 && !!draft.limits && Object.keys(limitProblems).length === 0,
    4: issues.length === 0 && draft.name.trim() !== "",
  };
  const canGo = stepOk[step] && settled && !busy;

  const limitsChanged = () => {
    if (!draft.limits || !savedLimits) return false;
    return JSON.stringify(fromLimitsDraft(draft.limits)) !== JSON.stringify(savedLimits);
  };

  const next = async () => {
    if (!canGo) return;
    if (step === 3 && draft.limits && limitsChanged()) {
      setBusy(true);
      const limits = fromLimitsDraft(draft.limits);
      const answer = await commands.setDailyLimits(limits);
      setBusy(false);
      if (answer.status === "error") {
        setLimitsError(errorText(answer.error));
        return;
      }
      setSavedLimits(limits);
      setLimitsError(null);
    }
    if (step === 4) {
      await create();
      return;
    }
    if (step === 3 && !draft.nameEdited) update({ name: defaultName(draft) });
    setStep((s) => Math.min(4, s + 1) as Step);
  };

  const create = async () => {
    setBusy(true);
    setCreateError(null);
    const answer = await commands.createBot(toRequest(draft, catalog));
    setBusy(false);
    if (answer.status === "error") {
      setCreateError(errorText(answer.error));
      return;
    }
    setDraft((d) => ({ ...emptyDraft(), strategy: d.strategy, profile: d.profile, params: profileText(catalog, d.profile), limits: d.limits }));
    setStep(0);
    setValidation(null);
    onCreated(answer.data);
    onClose();
  };

  return (
    <Modal open={open} onClose={onClose} title="Create a bot" testId="wizard" className="max-w-3xl">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void next();
        }}
        className="flex min-h-0 flex-1 flex-col" noValidate>
        <ol className="flex shrink-0 gap-1 border-b border-border px-5 py-2 text-xs" aria-label="Steps">
          {STEPS.map((name, i) => (
            <li
              key={name}
              aria-current={i === step ? "step" : undefined}
              className={cn(
                "rounded-full px-2 py-1",
                i === step ? "bg-primary text-primary-foreground" : i < step ? "text-foreground" : "text-muted-foreground",
              )}
            >
              {i + 1}. {name}
            </li>
          ))}
        </ol>

        <div ref={body} className="flex min-h-0 flex-1 flex-col gap-3 overflow-y-auto p-5" data-testid={`wizard-step-${step}`}>
          {step === 0 && (
            <MarketStep
              market={draft.market}
              tokenId={draft.tokenId}
              tokenIssues={draft.tokenId ? stepIssues(0).map((i) => i.message) : []}
              onMarket={(market) => {
                setDraft((d) => (d.market?.conditionId === market.conditionId ? d : { ...d, market, tokenId: null }));
              }}
              onOutcome={(tokenId) => {
                setDraft((d) => {
                  const next = { ...d, tokenId };
                  return d.nameEdited ? next : { ...next, name: defaultName(next) };
                });
              }}
            />
          )}
          {step === 1 &&
            (catalog ? (
              <StrategyStep
                catalog={catalog}
                strategy={draft.strategy}
                profile={draft.profile}
                params={draft.params}
                shownParams={shownParams}
                issues={byField}
                otherIssues={otherStrategyIssues}
                onStrategy={(strategy) => {
                  update({ strategy });
                }}
                onProfile={(profile) => {
                  update({ profile, params: profileText(catalog, profile) });
                }}
                onParam={(key, value) => {
                  setDraft((d) => ({ ...d, params: { ...d.params, [key]: value } }));
                }}
              />
            ) : (
              <ErrorNote testId="catalog-error">{catalogError}</ErrorNote>
            ))}
          {step === 2 && (
            <WalletStep
              mode={draft.mode}
              paperCash={draft.paperCash}
              wallet={draft.wallet}
              liveConfirmed={draft.liveConfirmed}
              walletIssues={stepIssues(2).map((i) => i.message)}
              onMode={(mode) => {
                update({ mode, liveConfirmed: false });
              }}
              onPaperCash={(paperCash) => {
                update({ paperCash });
              }}
              onWallet={(w) => {
                setWalletName(w.label);
                update({ wallet: w.label, liveConfirmed: false });
              }}
              onLiveConfirmed={(liveConfirmed) => {
                update({ liveConfirmed });
              }}
            />
          )}
          {step === 3 && (
            <LimitsStep
              tradeSize={tradeSizeParam}
              tradeSizeText={tradeSizeText}
              tradeSizeIssues={tradeSizeIssues}
              onTradeSize={(text) => {
                if (tradeSizeParam) setDraft((d) => ({ ...d, params: { ...d.params, [tradeSizeParam.key]: text } }));
              }}
              limits={draft.limits}
              limitsIssues={limitProblems}
              limitsError={limitsError}
              onLimits={(limits) => {
                update({ limits });
              }}
            />
          )}
          {step === 4 && (
            <div className="flex flex-col gap-4">
              <p className="rounded-lg border border-border bg-muted p-3 text-sm" data-testid="review-text">
                {reviewSentence(draft, catalog, walletName)}
              </p>
              <TextField
                id="bot-name"
                label="Bot name"
                value={draft.name}
                onChange={(e) => {
                  update({ name: e.target.value, nameEdited: true });
                }}
                issues={byField.get("name") ?? []}
                testId="bot-name"
                autoComplete="off"
              />
              <IssueText
                id="review-issues"
                messages={issues.filter((i) => fieldKey(i.field) !== "name").map((i) => `${STEPS[stepOfField(i.field)]}: ${i.field} ${i.message}`)}
                testId="review-issues"
              />
              <label className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={draft.startNow}
                  onChange={(e) => {
                    update({ startNow: e.target.checked });
                  }}
                  data-testid="wizard-start-now"
                />
                Start the bot right away
              </label>
              {createError && <ErrorNote testId="wizard-error">{createError}</ErrorNote>}
            </div>
          )}
          {validation?.error && <p className="text-xs text-muted-foreground">The settings could not be checked yet: {validation.error}</p>}
        </div>

        <div className="flex shrink-0 items-center justify-between border-t border-border px-5 py-3">
          <Button
            variant="ghost"
            onClick={() => {
              setStep((s) => Math.max(0, s - 1) as Step);
            }}
            disabled={step === 0 || busy}
            data-testid="wizard-back"
          >
            Back
          </Button>
          {step < 4 ? (
            <Button type="submit" disabled={!canGo} data-testid="wizard-next">
              Next
            </Button>
          ) : (
            <Button type="submit" disabled={!canGo} data-testid="wizard-create">
              {busy ? "Creating…" : draft.startNow ? "Create and start" : "Create"}
            </Button>
          )}
        </div>
      </form>
    </Modal>
  );
}
