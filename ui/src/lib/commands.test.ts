import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { asApiError, commands, MESSAGE_LIMIT } from "./commands";

describe("commands", () => {
  it("pass the backend's {code, message} refusals on unchanged", async () => {
    mockIPC(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects invoke() with the command's error value itself
      throw { code: "BOT_NOT_FOUND", message: "no bot with id b1" };
    });
    expect(await commands.getBot("b1")).toEqual({ status: "error", error: { code: "BOT_NOT_FOUND", message: "no bot with id b1" } });
  });

  it("turn Tauri's plain-text refusal of a wrong-type argument into INVALID_INPUT", async () => {
    const refusal = `invalid args \`limit\` for command \`activity\`: invalid type: string "${"9".repeat(5000)}", expected u32`;
    mockIPC(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects invoke() with plain text before the command runs
      throw refusal;
    });
    const answer = await commands.activity(null, null, 10, null);
    expect(answer.status).toBe("error");
    if (answer.status !== "error") return;
    expect(answer.error.code).toBe("INVALID_INPUT");
    expect(answer.error.message.startsWith("invalid args `limit`")).toBe(true);
    expect(answer.error.message.length).toBeLessThanOrEqual(MESSAGE_LIMIT + 1);
  });

  it("answer successes unchanged", async () => {
    mockIPC((cmd) => (cmd === "killswitch_tripped" ? true : null));
    expect(await commands.killswitchTripped()).toEqual({ status: "ok", data: true });
  });

  it("give any other rejection shape a code", () => {
    expect(asApiError({ code: 7 })).toEqual({ code: "INVALID_INPUT", message: '{"code":7}' });
    expect(asApiError(undefined)).toEqual({ code: "INVALID_INPUT", message: "undefined" });
    expect(asApiError(null).code).toBe("INVALID_INPUT");
  });
});
