import { describe, expect, it } from "vitest";
import { isLoopbackSimulatorUrl } from "./simulator-url";

describe("simulator addresses", () => {
  it("accepts only this computer", () => {
    for (const local of ["http://127.0.0.1:4100", "http://127.0.0.1:4100/", "https://localhost:8443", "http://LOCALHOST:1", "http://[::1]:4100"]) {
      expect(isLoopbackSimulatorUrl(local), local).toBe(true);
    }
  });

  it("refuses anywhere else, and addresses that carry more than a host and port", () => {
    for (const elsewhere of [
      "http://192.168.1.20:4100",
      "https://paper-trading.example.com",
      "http://127.0.0.1.example.com:4100",
      "http://user:pass@127.0.0.1:4100",
      "http://127.0.0.1@example.com",
      "http://127.0.0.1:4100/relay",
      "http://127.0.0.1:4100?to=polymarket",
      "http://127.0.0.1:4100#x",
      "http://127.0.0.2:4100",
      "ws://127.0.0.1:4100",
      "127.0.0.1:4100",
      "not a url",
      "",
    ]) {
      expect(isLoopbackSimulatorUrl(elsewhere), elsewhere).toBe(false);
    }
  });
});
