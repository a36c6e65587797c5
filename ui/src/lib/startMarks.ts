/**
 * Marks on the page's performance timeline for the bench (`scripts/bench`, row 7: cold start to a
 * rendered dashboard), which reads them over WebDriver. The app never reads them.
 *
 * Invariant: each mark is made at most once per page load, the first time the bot list shows
 * bots after the first listing, so a later bot created or deleted never moves it.
 */
export const BOTS_LISTED_MARK = "polyagent:bots-listed";
export const BOTS_PAINTED_MARK = "polyagent:bots-painted";

/**
 * Called when the bot list has committed `count` cards to the document: marks that moment, and two
 * animation frames later the moment the frame holding them has been painted.
 */
export function markBotsShown(count: number): void {
  if (count === 0 || typeof performance.mark !== "function") return;
  if (performance.getEntriesByName(BOTS_LISTED_MARK).length > 0) return;
  performance.mark(BOTS_LISTED_MARK, { detail: { bots: count } });
  if (typeof requestAnimationFrame !== "function") return;
  // The first frame callback runs before that frame is painted, the second after it was.
  requestAnimationFrame(() => {
    requestAnimationFrame(() => {
      performance.mark(BOTS_PAINTED_MARK, { detail: { bots: count } });
    });
  });
}
