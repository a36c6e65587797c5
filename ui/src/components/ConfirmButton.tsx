import { useEffect, useRef, useState } from "react";
import { Button, type ButtonProps } from "@/components/ui/button";

/**
 * A button that asks before it acts: the first press shows the question with Confirm and Cancel
 * (focus moves to Confirm; Escape cancels). For orders and other things that cannot be undone.
 */
export function ConfirmButton({
  question,
  confirmLabel = "Confirm",
  onConfirm,
  busy = false,
  testId,
  children,
  ...buttonProps
}: Omit<ButtonProps, "onClick"> & {
  question: string;
  confirmLabel?: string;
  onConfirm: () => void;
  busy?: boolean;
  testId?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    // Focus follows the question and comes back to the button after it, so a keyboard user
    // is never left on a removed element.
    if (asking) confirmRef.current?.focus();
    else if (asked.current) triggerRef.current?.focus();
    asked.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <Button
        {...buttonProps}
        ref={triggerRef}
        disabled={busy || buttonProps.disabled}
        data-testid={testId}
        onClick={() => {
          setAsking(true);
        }}
      >
        {busy ? "Working…" : children}
      </Button>
    );
  }
  return (
    <div
      role="group"
      aria-label={question}
      className="flex flex-wrap items-center gap-2 rounded-md border border-warning/60 bg-warning/10 p-2 text-sm"
      onKeyDown={(e) => {
        if (e.key === "Escape") setAsking(false);
      }}
    >
      <span className="flex-1">{question}</span>
      <Button
        ref={confirmRef}
        size="md"
        data-testid={testId ? `${testId}-confirm` : undefined}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </Button>
      <Button
        variant="outline"
        onClick={() => {
          setAsking(false);
        }}
      >
        Cancel
      </Button>
    </div>
  );
}
