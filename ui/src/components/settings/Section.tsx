import type { ReactNode } from "react";

/** One titled part of the settings. */
export function Section({ title, description, children, testId }: { title: string; description?: string; children: ReactNode; testId?: string }) {
  return (
    <section className="flex flex-col gap-3 border-b border-border px-5 py-4 last:border-b-0" aria-label={title} data-testid={testId}>
      <div className="flex flex-col gap-0.5">
        <h3 className="font-semibold">{title}</h3>
        {description && <p className="text-sm text-muted-foreground">{description}</p>}
      </div>
      {children}
    </section>
  );
}

/** A short confirmation that something was saved. */
export function SavedNote({ text, testId }: { text: string | null; testId?: string }) {
  if (!text) return null;
  return (
    <p role="status" className="text-sm text-positive" data-testid={testId}>
      {text}
    </p>
  );
}
