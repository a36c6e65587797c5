import type { BookSummary_Serialize, MarketSummary_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";
import { Search } from "lucide-react";
import { useEffect, useState } from "react";
import { ErrorNote, inputClass, IssueText } from "@/components/flows/Field";
import { errorText } from "@/lib/errors";
import { cn } from "@/lib/cn";
import { cents, dateText, usd } from "@/lib/plain-words";
import { marketRefusal } from "./draft";

const SEARCH_DEBOUNCE_MS = 250;

/** The end date (ISO-8601 from the exchange) as unix ms; null when absent or unreadable. */
export function endMs(iso: string | null): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A pasted polymarket.com address, a slug, a condition id (0x + 64 hex) or a token id (digits). */
export function looksLikeReference(text: string): boolean {
  const t = text.trim();
  return (
    /polymarket\.com\//i.test(t) ||
    /^0x[0-9a-f]{64}$/i.test(t) ||
    /^\d{10,}$/.test(t) ||
    /^[a-z0-9]+(-[a-z0-9]+)+$/.test(t)
  );
}

/** The markets found for one query (busy until the answer for the current text arrives). */
type Found = { query: string; markets: MarketSummary_Serialize[]; note: string | null };

/** Step 1: find a market by words or by its address, see its numbers, pick an outcome. */
export function MarketStep({
  market,
  tokenId,
  tokenIssues,
  onMarket,
  onOutcome,
}: {
  market: MarketSummary_Serialize | null;
  tokenId: string | null;
  tokenIssues: string[];
  onMarket: (market: MarketSummary_Serialize) => void;
  onOutcome: (tokenId: string) => void;
}) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Found | null>(null);
  const [books, setBooks] = useState<Partial<Record<string, { book: BookSummary_Serialize | null; note: string | null }>>>({});
  const text = query.trim();

  useEffect(() => {
    if (text !== "") return;
    // Before anything is typed, the demo exchange lists its markets (every one of them says
    // "demo"); Polymarket has too many to list, so the user types.
    let current = true;
    const live = () => current;
    void (async () => {
      const settings = await commands.getSettings();
      const kind: string = settings.status === "ok" ? settings.data.exchange.kind : "";
      if (kind !== "demo") return;
      const answer = await commands.searchMarkets("demo");
      if (live() && answer.status === "ok") setFound({ query: "", markets: answer.data, note: null });
    })();
    return () => {
      current = false;
    };
  }, [text]);

  useEffect(() => {
    if (text === "") return;
    let current = true;
    const live = () => current;
    const timer = setTimeout(() => {
      void (async () => {
        if (looksLikeReference(text)) {
          const one = await commands.lookupMarket(text);
          if (!live()) return;
          if (one.status === "ok") {
            setFound({ query: text, markets: [one.data], note: null });
            onMarket(one.data);
            return;
          }
          // A slug-like phrase may still be words: search before saying nothing matched.
          const many = await commands.searchMarkets(text);
          if (!live()) return;
          const markets = many.status === "ok" ? many.data : [];
          setFound({ query: text, markets, note: markets.length > 0 ? null : errorText(one.error) });
          return;
        }
        const many = await commands.searchMarkets(text);
        if (!live()) return;
        if (many.status === "ok") {
          setFound({ query: text, markets: many.data, note: many.data.length === 0 ? `No market matches "${text}".` : null });
        } else {
          setFound({ query: text, markets: [], note: errorText(many.error) });
        }
      })();
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // onMarket is a fresh closure each render; the search depends on the text only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const openMarket = market && !marketRefusal(market) ? market : null;
  useEffect(() => {
    if (!openMarket) return;
    // Every outcome's book: its price on the outcome's button, the chosen one's numbers below.
    let current = true;
    for (const o of openMarket.outcomes) {
      void commands.bookSummary(o.tokenId).then((answer) => {
        if (!current) return;
        const entry = answer.status === "ok" ? { book: answer.data, note: null } : { book: null, note: errorText(answer.error) };
        setBooks((old) => ({ ...old, [o.tokenId]: entry }));
      });
    }
    return () => {
      current = false;
    };
  }, [openMarket]);

  const shown = found?.query === text ? found : null;
  const refusal = market ? marketRefusal(market) : null;
  const outcome = market?.outcomes.find((o) => o.tokenId === tokenId) ?? null;
  const book = tokenId ? books[tokenId] : undefined;
  const priceOf = (b: BookSummary_Serialize | null | undefined) => b?.price ?? b?.midpoint ?? null;

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <label htmlFor="market-search" className="text-sm font-medium">
          Market
        </label>
        <div className="relative">
          <Search className="pointer-events-none absolute left-2.5 top-2.5 h-4 w-4 text-muted-foreground" aria-hidden />
          <input
            id="market-search"
            className={cn(inputClass, "pl-8")}
            placeholder="Words from the question, or a polymarket.com link or slug"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
            }}
            data-testid="market-search-input"
            autoComplete="off"
          />
        </div>
      </div>

      {text !== "" && found?.query !== text && <p className="text-sm text-muted-foreground">Searching…</p>}
      {shown?.note && (
        <p className="text-sm text-muted-foreground" data-testid="market-search-note">
          {shown.note}
        </p>
      )}
      {shown && shown.markets.length > 0 && (
        <ul className="flex max-h-48 flex-col gap-1 overflow-y-auto" aria-label="Markets found">
          {shown.markets.map((m) => (
            <li key={m.conditionId}>
              <button
                type="button"
                onClick={() => {
                  onMarket(m);
                }}
                aria-pressed={market?.conditionId === m.conditionId}
                data-testid={`market-result-${m.slug}`}
                className={cn(
                  "flex w-full items-center justify-between gap-3 rounded-md border border-border px-3 py-2 text-left text-sm hover:bg-muted",
                  market?.conditionId === m.conditionId && "border-primary bg-muted",
                )}
              >
                <span>{m.question}</span>
                <span className="shrink-0 text-xs text-muted-foreground">
                  {m.closed ? "closed" : !m.tradable ? "not trading" : dateText(endMs(m.endDate))}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}

      {market && (
        <section className="flex flex-col gap-3 rounded-lg border border-border p-3" aria-label="Chosen market" data-testid="market-chosen">
          <h3 className="font-medium">{market.question}</h3>
          {refusal ? (
            <p role="alert" className="text-sm text-negative" data-testid="market-closed">
              {refusal}
            </p>
          ) : (
            <>
              <div className="flex flex-wrap gap-2" role="group" aria-label="Outcome">
                {market.outcomes.map((o) => (
                  <button
                    key={o.tokenId}
                    type="button"
                    onClick={() => {
                      onOutcome(o.tokenId);
                    }}
                    aria-pressed={o.tokenId === tokenId}
                    data-testid={`outcome-${o.name}`}
                    className={cn(
                      "rounded-md border border-border px-3 py-1.5 text-sm hover:bg-muted",
                      o.tokenId === tokenId && "border-primary bg-primary text-primary-foreground hover:bg-primary/90",
                    )}
                  >
                    {o.name} <span className="tabular-nums opacity-80">{cents(priceOf(books[o.tokenId]?.book))}</span>
                  </button>
                ))}
              </div>
              <IssueText id="token-issue" messages={tokenIssues} testId="outcome-issue" />
              <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-3" data-testid="market-metrics">
                <Metric label="Price" value={outcome ? cents(priceOf(book?.book)) : "pick an outcome"} />
                <Metric label="Spread" value={book?.book ? cents(book.book.spread) : "—"} />
                <Metric label="Bid / ask" value={book?.book ? `${cents(book.book.bestBid)} / ${cents(book.book.bestAsk)}` : "—"} />
                <Metric label="Liquidity" value={usd(market.liquidity ?? book?.book?.liquidity)} />
                <Metric label="Volume" value={usd(market.volume)} />
                <Metric label="Ends" value={dateText(endMs(market.endDate))} />
              </dl>
              {book?.note && <ErrorNote>{book.note}</ErrorNote>}
            </>
          )}
        </section>
      )}
    </div>
  );
}

function Metric({ label, value }: { label: string; value: string }) {
  return (
    <div className="flex flex-col">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="tabular-nums" data-testid={`metric-${label.toLowerCase().replace(/[^a-z]+/g, "-")}`}>
        {value}
      </dd>
    </div>
  );
}
