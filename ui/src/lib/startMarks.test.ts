import { afterEach, describe, expect, it, vi } from "vitest";
import { BOTS_LISTED_MARK, BOTS_PAINTED_MARK, markBotsShown } from "./startMarks";

/** Frame callbacks held until the test runs the next frame. */
function fakeFrames() {
  let queued: FrameRequestCallback[] = [];
  vi.stubGlobal("requestAnimationFrame", (callback: FrameRequestCallback) => {
    queued.push(callback);
    return queued.length;
  });
  return () => {
    const now = queued;
    queued = [];
    for (const callback of now) callback(0);
  };
}

const marks = (name: string) => performance.getEntriesByName(name) as PerformanceMark[];

describe("start marks", () => {
  afterEach(() => {
    performance.clearMarks();
  });

  it("marks the first list with bots once, and its paint two frames later", () => {
    const nextFrame = fakeFrames();
    markBotsShown(0);
    expect(marks(BOTS_LISTED_MARK)).toHaveLength(0);

    markBotsShown(100);
    expect(marks(BOTS_LISTED_MARK).map((m) => m.detail as unknown)).toEqual([{ bots: 100 }]);
    nextFrame();
    expect(marks(BOTS_PAINTED_MARK)).toHaveLength(0);
    nextFrame();
    expect(marks(BOTS_PAINTED_MARK).map((m) => m.detail as unknown)).toEqual([{ bots: 100 }]);

    // A bot created later does not move either mark.
    markBotsShown(101);
    nextFrame();
    nextFrame();
    expect(marks(BOTS_LISTED_MARK)).toHaveLength(1);
    expect(marks(BOTS_PAINTED_MARK)).toHaveLength(1);
  });
});
