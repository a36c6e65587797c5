/**
 * The backend's commands as the UI calls them: the generated ones (`@/bindings`), with one
 * guarantee added: every refusal arrives as `{code, message}`.
 *
 * The backend's own refusals already have that shape. Tauri refuses some calls before any
 * backend code runs (an argument of the wrong JSON type, an absent argument, an unknown or
 * forbidden command) and rejects those with plain text; tauri-specta passes that text on typed as
 * an `ApiError`, so `error.code` would be undefined. Those become `INVALID_INPUT` (nothing ran, so
 * nothing changed) with Tauri's text, shortened, as the message. The UI never reads a message
 * to decide anything; it only shows it. Import `commands` from here, never from `@/bindings` (an
 * ESLint rule enforces it).
 */
import * as bindings from "@/bindings";
import type { ApiError } from "@/bindings";

/** The longest message shown for a refusal that did not come from the backend's code. */
export const MESSAGE_LIMIT = 300;

function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === "string" && typeof message === "string";
}

/** A command's rejection as `{code, message}`, whatever shape it arrived in. */
export function asApiError(rejection: unknown): ApiError {
  if (isApiError(rejection)) return rejection;
  let text: string;
  if (typeof rejection === "string") text = rejection;
  else if (rejection === undefined) text = "undefined";
  else {
    try {
      text = JSON.stringify(rejection);
    } catch {
      text = "a refusal that cannot be shown as text";
    }
  }
  const message = text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text;
  return { code: "INVALID_INPUT", message };
}

type Commands = typeof bindings.commands;
type Answer = { status: "ok"; data: unknown } | { status: "error"; error: unknown };

function withApiErrors(generated: Commands): Commands {
  const wrapped: Record<string, (...args: never[]) => Promise<Answer>> = {};
  for (const [name, command] of Object.entries(generated) as [string, (...args: never[]) => Promise<Answer>][]) {
    wrapped[name] = async (...args) => {
      const answer = await command(...args);
      return answer.status === "error" ? { status: "error", error: asApiError(answer.error) } : answer;
    };
  }
  return wrapped as unknown as Commands;
}

export const commands: Commands = withApiErrors(bindings.commands);
