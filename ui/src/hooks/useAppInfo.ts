import { useEffect, useState } from "react";
import type { ApiError, AppInfo } from "@/bindings";
import { commands } from "@/lib/commands";

export type AppInfoState =
  | { state: "loading" }
  | { state: "ready"; info: AppInfo }
  | { state: "failed"; error: ApiError };

/** What the running build is, asked once from the backend. */
export function useAppInfo(): AppInfoState {
  const [result, setResult] = useState<AppInfoState>({ state: "loading" });
  useEffect(() => {
    let current = true;
    void commands.appInfo().then((answer) => {
      if (!current) return;
      setResult(
        answer.status === "ok" ? { state: "ready", info: answer.data } : { state: "failed", error: answer.error },
      );
    });
    return () => {
      current = false;
    };
  }, []);
  return result;
}
