import type { Catalog_Serialize, Profile } from "@/bindings";
import { IssueText, TextField } from "@/components/flows/Field";
import { cn } from "@/lib/cn";
import { type EditableField, fieldKey, localParamIssue, MAIN_FIELDS, type ParamText, unitText } from "./draft";

/** The issues shown under one field: the local parse problem first, else the backend's. */
export function paramIssues(field: EditableField, text: string, backend: Map<string, string[]>): string[] {
  const local = localParamIssue(field, text);
  if (local) return [local];
  return backend.get(fieldKey(field.key)) ?? [];
}

/** Text fields for trading numbers, each with its unit, meaning and issues. */
export function ParamFields({
  fields,
  params,
  issues,
  onParam,
  idPrefix,
}: {
  fields: EditableField[];
  params: ParamText;
  issues: Map<string, string[]>;
  onParam: (key: string, value: string) => void;
  idPrefix: string;
}) {
  return (
    <>
      {fields.map((f) => {
        const text = params[f.key] ?? "";
        return (
          <TextField
            key={f.key}
            id={`${idPrefix}-${f.key}`}
            label={f.label}
            hint={f.meaning}
            unit={unitText(f.unit)}
            inputMode={f.kind === "decimal" ? "decimal" : "numeric"}
            value={text}
            onChange={(e) => {
              onParam(f.key, e.target.value);
            }}
            issues={paramIssues(f, text, issues)}
            testId={`${idPrefix}-${f.key}`}
          />
        );
      })}
    </>
  );
}

function profileName(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
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
  catalog: Catalog_Serialize;
  strategy: string;
  profile: Profile;
  params: ParamText;
  shownParams: EditableField[];
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
              title={profileName(p.id)}
              description={p.description}
              testId={`profile-${p.id}`}
            />
          ))}
        </div>
      </fieldset>
      <fieldset className="grid gap-3 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-medium">The profile's numbers (change any of them for this bot)</legend>
        <ParamFields fields={shownParams.filter((f) => MAIN_FIELDS.has(f.key))} params={params} issues={issues} onParam={onParam} idPrefix="param" />
      </fieldset>
      {shownParams.some((f) => !MAIN_FIELDS.has(f.key)) && (
        <details open={shownParams.some((f) => !MAIN_FIELDS.has(f.key) && paramIssues(f, params[f.key] ?? "", issues).length > 0) || undefined}>
          <summary className="cursor-pointer text-sm font-medium">More numbers</summary>
          <div className="mt-3 grid gap-3 sm:grid-cols-2">
            <ParamFields fields={shownParams.filter((f) => !MAIN_FIELDS.has(f.key))} params={params} issues={issues} onParam={onParam} idPrefix="param" />
          </div>
        </details>
      )}
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
