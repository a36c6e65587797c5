import type { InputHTMLAttributes, ReactNode } from "react";
import { cn } from "@/lib/cn";

export const inputClass =
  "h-9 w-full rounded-md border border-border bg-background px-3 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring aria-[invalid=true]:border-negative";

/**
 * A bare passphrase box for an inline confirmation (no visible label, so it fits in a row):
 * masked, never autofilled, named for screen readers by `label`.
 */
export function PassphraseInput({
  value,
  onValue,
  testId,
  label = "Vault passphrase",
}: {
  value: string;
  onValue: (value: string) => void;
  testId: string;
  label?: string;
}) {
  return (
    <input
      type="password"
      autoComplete="off"
      aria-label={label}
      placeholder={label}
      className={inputClass}
      value={value}
      onChange={(e) => {
        onValue(e.target.value);
      }}
      data-testid={testId}
    />
  );
}

/** Messages under a field: what is wrong with it, in the backend's words. */
export function IssueText({ id, messages, testId }: { id: string; messages: string[]; testId?: string }) {
  if (messages.length === 0) return null;
  return (
    <p id={id} className="text-xs text-negative" role="alert" data-testid={testId}>
      {messages.join("; ")}
    </p>
  );
}

/**
 * A labelled text input with a one-line meaning, a unit and the issues found with its value.
 * `testId` names the input; its issues are `${testId}-issue`.
 */
export function TextField({
  id,
  label,
  hint,
  unit,
  issues = [],
  testId,
  className,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  unit?: string;
  issues?: string[];
  testId?: string;
}) {
  const described = [hint ? `${id}-hint` : null, issues.length ? `${id}-issue` : null].filter(Boolean).join(" ");
  return (
    <div className={cn("flex flex-col gap-1", className)}>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <div className="flex items-center gap-2">
        <input
          id={id}
          className={inputClass}
          aria-invalid={issues.length > 0}
          aria-describedby={described || undefined}
          data-testid={testId}
          {...input}
        />
        {unit !== undefined && <span className="w-10 shrink-0 text-sm text-muted-foreground">{unit}</span>}
      </div>
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      )}
      <IssueText id={`${id}-issue`} messages={issues} testId={testId ? `${testId}-issue` : undefined} />
    </div>
  );
}

/** A sentence that something failed, with the backend's particulars. */
export function ErrorNote({ children, testId }: { children: ReactNode; testId?: string }) {
  if (!children) return null;
  return (
    <p role="alert" className="rounded-md border border-negative/40 bg-negative/10 px-3 py-2 text-sm text-negative" data-testid={testId}>
      {children}
    </p>
  );
}
