import type { Profile } from "@/bindings";
import { IssueText, TextField } from "@/components/flows/Field";
import { cn } from "@/lib/cn";
import type { Catalog, ParamInfo, ParamValues } from "@/lib/pending-flows";
import { fieldKey, localParamIssue, overrideKey } from "./draft";

export const UNIT_TEXT: Record<ParamInfo["unit"], string> = { percent: "%", usd: "$", seconds: "s", count: "" };

/** The issues shown under one param: the local parse problem first, else the backend's. */
export function paramIssues(param: ParamInfo, text: string, backend: Map<string, string[]>): string[] {
  const local = localParamIssue(param, text);
  if (local) return [local];
  return backend.get(fieldKey(overrideKey(param.key))) ?? [];
}

/** Step 2: strategy, profile, and the profile's numbers (editable, each with its meaning). */
export function StrategyStep({
  catalog,
  strategy,
  profile,
  params,
  shownParams,
  issues,
  otherIssues,
  onStrategy,
  onProfile,
  onParam,
}: {
  catalog: Catalog;
  strategy: string;
  profile: Profile;
  params: ParamValues;
  shownParams: ParamInfo[];
  issues: Map<string, string[]>;
  otherIssues: string[];
  onStrategy: (id: string) => void;
  onProfile: (id: Profile) => void;
  onParam: (key: string, value: string) => void;
}) {
  return (
    <div className="flex flex-col gap-4">
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium">Strategy</legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {catalog.strategies.map((s) => (
            <Choice
              key={s.id}
              name="strategy"
              checked={s.id === strategy}
              onChange={() => {
                onStrategy(s.id);
              }}
              title={s.name}
              description={s.description}
              testId={`strategy-${s.id}`}
            />
          ))}
        </div>
        <IssueText id="strategy-issue" messages={issues.get("strategy") ?? []} />
      </fieldset>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium">Profile</legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {catalog.profiles.map((p) => (
            <Choice
              key={p.id}
              name="profile"
              checked={p.id === profile}
              onChange={() => {
                onProfile(p.id);
              }}
              title={p.name}
              description={p.description}
              testId={`profile-${p.id}`}
            />
          ))}
        </div>
      </fieldset>
      <fieldset className="grid gap-3 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-medium">The profile's numbers (change any of them for this bot)</legend>
        {shownParams.map((p) => {
          const text = params[p.key] ?? "";
          return (
            <TextField
              key={p.key}
              id={`param-${p.key}`}
              label={p.label}
              hint={p.meaning}
              unit={UNIT_TEXT[p.unit]}
              inputMode={p.unit === "seconds" || p.unit === "count" ? "numeric" : "decimal"}
              value={text}
              onChange={(e) => {
                onParam(p.key, e.target.value);
              }}
              issues={paramIssues(p, text, issues)}
              testId={`param-${p.key}`}
            />
          );
        })}
      </fieldset>
      <IssueText id="strategy-other-issues" messages={otherIssues} testId="strategy-other-issues" />
    </div>
  );
}

export function Choice({
  name,
  checked,
  onChange,
  title,
  description,
  testId,
}: {
  name: string;
  checked: boolean;
  onChange: () => void;
  title: string;
  description?: string;
  testId: string;
}) {
  return (
    <label
      className={cn(
        "flex cursor-pointer items-start gap-2 rounded-md border border-border p-2 text-sm hover:bg-muted",
        checked && "border-primary bg-muted",
      )}
    >
      <input type="radio" name={name} checked={checked} onChange={onChange} className="mt-1" data-testid={testId} />
      <span className="flex flex-col">
        <span className="font-medium">{title}</span>
        {description && <span className="text-xs text-muted-foreground">{description}</span>}
      </span>
    </label>
  );
}
