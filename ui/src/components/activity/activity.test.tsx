import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActivityLine_Serialize } from "@/bindings";
import { emitEvent, mockBackend } from "@/test/backend";
import { renderWithStore, withViewportHeight } from "@/test/render";
import { ActivityFeed } from "./ActivityFeed";
import { ActivityList, ROW_HEIGHT } from "./ActivityList";
import { addProvisional, applyFilter, type FeedRow, mergeStored, oldestStored, storedRow } from "./activity-model";

const KINDS = ["order", "fill", "spike", "risk", "error", "system"] as const;
const VIEWPORT = 320;

/** `count` lines, newest first, kinds in turn. */
function lines(count: number, botId: string | null = "b1"): ActivityLine_Serialize[] {
  return Array.from({ length: count }, (_, i) => {
    const seq = count - i;
    return { seq, botId, atMs: 1_000_000 + seq, kind: KINDS[seq % KINDS.length] ?? "system", message: `line ${seq}` };
  });
}

let restoreHeight: () => void;
beforeEach(() => {
  restoreHeight = withViewportHeight(VIEWPORT);
});
afterEach(() => {
  restoreHeight();
});

describe("activity list", () => {
  it("renders only a window of 100,000 rows, and follows the scroll", () => {
    const rows: FeedRow[] = lines(100_000).map(storedRow);
    renderWithStore(<ActivityList rows={rows} botName={(id) => id} showBot />);
    const shown = screen.getAllByTestId("activity-row");
    // The viewport's rows plus the overscan (10 each side), not 100,000.
    expect(shown.length).toBeGreaterThanOrEqual(VIEWPORT / ROW_HEIGHT);
    expect(shown.length).toBeLessThanOrEqual(VIEWPORT / ROW_HEIGHT + 20);
    expect(shown[0]).toHaveTextContent("line 100000");

    const scroller = screen.getByTestId("activity-scroller");
    scroller.scrollTop = 50_000 * ROW_HEIGHT;
    fireEvent.scroll(scroller);
    const after = screen.getAllByTestId("activity-row");
    expect(after.length).toBeLessThanOrEqual(VIEWPORT / ROW_HEIGHT + 20);
    expect(after.map((r) => r.textContent).join()).toContain("line 50000");
    expect(screen.queryByText("line 100000")).toBeNull();
  });
});

describe("activity model", () => {
  it("finds the oldest stored line, past live lines not stored yet", () => {
    const rows = addProvisional(mergeStored([], lines(3)), { botId: "b1", atMs: 0, text: "live", kind: "system" });
    expect(oldestStored(rows)).toEqual({ atMs: 1_000_001, seq: 1 });
    expect(oldestStored([])).toBeNull();
  });

  it("filters by kind", () => {
    const rows = lines(12).map(storedRow);
    expect(applyFilter(rows, "all")).toHaveLength(12);
    expect(applyFilter(rows, "fill").map((r) => r.kind)).toEqual(["fill", "fill"]);
  });

  it("shows a live line at once and replaces it with its stored line, without repeating lines", () => {
    const first = mergeStored([], lines(3));
    expect(first.map((r) => r.seq)).toEqual([3, 2, 1]);
    const live = addProvisional(first, { botId: "b1", atMs: 1_000_004, text: "line 4", kind: "error" });
    expect(live.map((r) => [r.seq, r.kind])).toEqual([[null, "error"], [3, "risk"], [2, "spike"], [1, "fill"]]);
    const merged = mergeStored(live, lines(4));
    expect(merged.map((r) => [r.seq, r.kind])).toEqual([[4, "error"], [3, "risk"], [2, "spike"], [1, "fill"]]);
    expect(mergeStored(merged, lines(4))).toBe(merged);
  });
});

describe("activity feed", () => {
  it("filters rows by kind with the filter buttons", async () => {
    const calls = mockBackend({ activity: () => lines(60) });
    const user = userEvent.setup();
    renderWithStore(<ActivityFeed selectedBotId={null} onError={() => undefined} />);
    await waitFor(() => {
      expect(screen.getByTestId("activity-count")).toHaveTextContent("60 lines");
    });
    expect(calls.find((c) => c.cmd === "activity")?.args).toEqual({ botId: null, kind: null, limit: 1000, before: null });

    await user.click(screen.getByRole("button", { name: "Errors" }));
    expect(screen.getByRole("button", { name: "Errors" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("activity-count")).toHaveTextContent("10 lines");
    const rows = screen.getAllByTestId("activity-row");
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(row).toHaveAttribute("data-kind", "error");

    await user.click(screen.getByRole("button", { name: "Fills" }));
    expect(screen.getAllByTestId("activity-row").map((r) => r.dataset.kind)).toEqual(Array(10).fill("fill"));
    await user.click(screen.getByRole("button", { name: "All" }));
    expect(screen.getByTestId("activity-count")).toHaveTextContent("60 lines");
  });

  it("shows live lines newest first and reads their kind from the log", async () => {
    let stored = lines(2);
    mockBackend({ activity: () => stored });
    renderWithStore(<ActivityFeed selectedBotId={null} onError={() => undefined} />);
    await waitFor(() => {
      expect(screen.getAllByTestId("activity-row")).toHaveLength(2);
    });
    stored = [{ seq: 3, botId: "b1", atMs: 1_000_003, kind: "fill", message: "bought 10 at 0.41" }, ...stored];
    await emitEvent("bot-activity-event", { botId: "b1", atMs: 1_000_003, text: "bought 10 at 0.41", kind: "fill" });
    const top = () => screen.getAllByTestId("activity-row")[0];
    // Shown at once, with its kind, before the log is read again.
    expect(top()).toHaveTextContent("bought 10 at 0.41");
    expect(top()).toHaveAttribute("data-kind", "fill");
    await waitFor(() => {
      expect(screen.getByTestId("activity-count")).toHaveTextContent("3 lines");
    });
    expect(screen.getAllByTestId("activity-row")).toHaveLength(3);
  });

  it("reads the log again while a live line is not stored yet", async () => {
    let stored = lines(1);
    const calls = mockBackend({ activity: () => stored });
    renderWithStore(<ActivityFeed selectedBotId={null} onError={() => undefined} />);
    await waitFor(() => {
      expect(screen.getAllByTestId("activity-row")).toHaveLength(1);
    });
    await emitEvent("bot-activity-event", { botId: "b1", atMs: 1_000_002, text: "late commit", kind: "risk" });
    // The first read after the event does not find it; a later one does.
    await waitFor(() => {
      expect(calls.filter((c) => c.cmd === "activity").length).toBeGreaterThanOrEqual(2);
    });
    stored = [{ seq: 2, botId: "b1", atMs: 1_000_002, kind: "risk", message: "late commit" }, ...stored];
    expect(screen.getAllByTestId("activity-row")[0]).toHaveAttribute("data-stored", "false");
    await waitFor(
      () => {
        expect(screen.getAllByTestId("activity-row")[0]).toHaveAttribute("data-stored", "true");
      },
      { timeout: 3000 },
    );
    expect(screen.getAllByTestId("activity-row")).toHaveLength(2);
  });

  it("reads older pages as the list is scrolled to its end, back to the start of the log", async () => {
    const log = lines(2_500);
    const calls = mockBackend({
      activity: (args) => {
        const before = args.before as { atMs: number; seq: number } | null;
        const older = before ? log.filter((l) => l.atMs < before.atMs || (l.atMs === before.atMs && l.seq < before.seq)) : log;
        return older.slice(0, args.limit as number);
      },
    });
    renderWithStore(<ActivityFeed selectedBotId={null} onError={() => undefined} />);
    await waitFor(() => {
      expect(screen.getByTestId("activity-count")).toHaveTextContent("1,000 lines");
    });
    const scroller = screen.getByTestId("activity-scroller");
    const scrollToEnd = () => {
      // jsdom lays nothing out (scrollHeight is 0): scroll by rows.
      scroller.scrollTop = 10_000 * ROW_HEIGHT;
      fireEvent.scroll(scroller);
    };
    scrollToEnd();
    await waitFor(() => {
      expect(screen.getByTestId("activity-count")).toHaveTextContent("2,000 lines");
    });
    // The cursor is the oldest line shown: line 1501 (1,000 newest of 2,500).
    const paged = calls.filter((c) => c.cmd === "activity" && c.args.before !== null);
    expect(paged[0]?.args).toEqual({ botId: null, kind: null, limit: 1000, before: { atMs: 1_001_501, seq: 1501 } });
    scrollToEnd();
    await waitFor(() => {
      expect(screen.getByTestId("activity-older")).toHaveTextContent("The start of the log.");
    });
    expect(screen.getByTestId("activity-count")).toHaveTextContent("2,500 lines");
    expect(screen.getAllByTestId("activity-row").at(-1)).toHaveTextContent("line 1");
    // Each line once, newest first.
    expect(calls.filter((c) => c.cmd === "activity" && c.args.before !== null)).toHaveLength(2);
  });

  it("looks further back on request when a filter finds nothing among the lines read", async () => {
    // 1,000 system lines, then (older) 5 errors.
    const log: ActivityLine_Serialize[] = [
      ...Array.from({ length: 1_000 }, (_, i) => ({ seq: 2_000 - i, botId: "b1", atMs: 2_000_000 - i, kind: "system", message: `sys ${i}` })),
      ...Array.from({ length: 5 }, (_, i) => ({ seq: 5 - i, botId: "b1", atMs: 1_000 - i, kind: "error", message: `err ${i}` })),
    ];
    mockBackend({
      activity: (args) => {
        const before = args.before as { atMs: number; seq: number } | null;
        const older = before ? log.filter((l) => l.atMs < before.atMs) : log;
        return older.slice(0, args.limit as number);
      },
    });
    const user = userEvent.setup();
    renderWithStore(<ActivityFeed selectedBotId={null} onError={() => undefined} />);
    await waitFor(() => {
      expect(screen.getByTestId("activity-count")).toHaveTextContent("1,000 lines");
    });
    await user.click(screen.getByRole("button", { name: "Errors" }));
    expect(screen.queryAllByTestId("activity-row")).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Older lines" }));
    await waitFor(() => {
      expect(screen.getAllByTestId("activity-row")).toHaveLength(5);
    });
    expect(screen.getByTestId("activity-older")).toHaveTextContent("The start of the log.");
  });

  it("shows only the selected bot's lines when asked", async () => {
    const calls = mockBackend({ activity: (args) => (args.botId === "b2" ? lines(1, "b2") : lines(5)) });
    const user = userEvent.setup();
    renderWithStore(<ActivityFeed selectedBotId="b2" onError={() => undefined} />);
    await waitFor(() => {
      expect(screen.getAllByTestId("activity-row")).toHaveLength(5);
    });
    await user.click(within(screen.getByRole("group", { name: "Whose activity" })).getByRole("button", { name: /Only/ }));
    await waitFor(() => {
      expect(screen.getAllByTestId("activity-row")).toHaveLength(1);
    });
    expect(calls.filter((c) => c.cmd === "activity").at(-1)?.args).toEqual({ botId: "b2", kind: null, limit: 1000, before: null });
  });
});
