// Conformance: Polymarket's official TypeScript client (@polymarket/clob-client-v2 with a viem
// wallet) against `polyagent sim`.
//
// Run by tests/conformance/run from the project root: node tests/conformance/ts_client.mjs <url>.
// The client and viem come from the project's node_modules (exact versions in package.json and
// package-lock.json). Calls, as a trader's script would, every public and L2 method that applies
// to one market, plus the market and user WebSockets, and prints one line per call (`ok <name>`
// or `FAIL <name>: why`) and a closing `N passed, N failed`. Exits non-zero on any failure.
//
// Where production itself refuses the official client (market orders on a 0.001-tick market: the
// SDK sends 5-decimal amounts, production caps them at 2 and 4; PROTOCOL.md section 13.1), the
// expected result is production's refusal text, exactly.
import { ClobClient, OrderType, Side } from "@polymarket/clob-client-v2";
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygonAmoy } from "viem/chains";
import WebSocket from "ws";

// A simulator verifies signatures for Amoy only (issue #16): the official client signs
// its L1 auth and orders for chain 80002, never for Polygon mainnet.
const CHAIN_ID = 80002;
// Hardhat/Anvil test account #3: a public test key, never real funds.
const PRIVATE_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
// The demo scenario's markets: one at tick 0.01 for trading, one set to tick 0.001.
const MARKET = "demo-btc-above-150k-2027";
const FINE_MARKET = "demo-ai-model-wins-math-olympiad";
const DEADLINE_MS = 15_000;
const END_CURSOR = "LTE=";

// Production's refusal of a marketable order with more than 2 (maker) / 4 (taker) decimals.
const FINE_BUY_REFUSAL =
  "invalid amounts, the market buy orders maker amount supports a max accuracy of 2 decimals, " +
  "taker amount a max of 4 decimals";
const FINE_SELL_REFUSAL =
  "invalid amounts, the market sell orders maker amount supports a max accuracy of 2 decimals, " +
  "taker amount a max of 4 decimals";

const HOST = process.argv[2].replace(/\/$/, "");
// The admin routes need the run's token: the second line `polyagent sim` printed.
const ADMIN_TOKEN = process.env.POLYAGENT_SIM_TOKEN;
if (!ADMIN_TOKEN) throw new Error("POLYAGENT_SIM_TOKEN is not set");
const WS = `${HOST.replace("http://", "ws://")}/ws`;
let passed = 0;
let failed = 0;

/** Runs one call; prints ok/FAIL. Resolves to the call's result, or undefined when it failed. */
async function check(name, call) {
  try {
    const result = await call();
    passed++;
    console.log(`ok ${name}`);
    return result;
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: ${error?.message ?? error}`);
    console.error(error);
    return undefined;
  }
}

function expect(condition, why) {
  if (!condition) throw new Error(why);
}

async function admin(path, body) {
  const response = await fetch(`${HOST}/admin/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`admin ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function marketOf(slug) {
  const state = await (
    await fetch(`${HOST}/admin/state`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).json();
  return state.markets.find((m) => m.slug === slug);
}

/** Polls `probe` until it resolves truthy, with a deadline. */
async function poll(what, probe) {
  const giveUp = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    expect(Date.now() < giveUp, `${what}: not within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Decimals of a 6-decimal base-unit amount as the exchange reads it. */
function decimals(baseUnits) {
  const fraction = String(baseUnits).padStart(7, "0").slice(-6).replace(/0+$/, "");
  return fraction.length;
}

/** A WebSocket that queues every event it receives, for `waitFor` with a deadline. */
function socket(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const events = [];
    const waiters = new Set();
    ws.on("message", (data) => {
      let frame;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return; // PONG and other text frames
      }
      for (const event of Array.isArray(frame) ? frame : [frame]) events.push(event);
      for (const waiter of waiters) waiter();
    });
    ws.on("error", reject);
    ws.on("open", () =>
      resolve({
        send: (message) => ws.send(JSON.stringify(message)),
        close: () => ws.close(),
        waitFor: (what, wanted) =>
          new Promise((found, missing) => {
            const look = () => {
              const hit = events.find(wanted);
              if (hit) {
                waiters.delete(look);
                clearTimeout(timer);
                found(hit);
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(look);
              missing(new Error(`${what}: not within ${DEADLINE_MS} ms`));
            }, DEADLINE_MS);
            waiters.add(look);
            look();
          }),
      }),
    );
  });
}

/** The `error` text of the 400 a call must end in. */
async function refusalOf(call) {
  let answer;
  try {
    answer = await call();
  } catch (error) {
    expect(error.status === 400, `status ${error.status}, wanted 400: ${error.message}`);
    return error.message;
  }
  throw new Error(`accepted, production refuses it: ${JSON.stringify(answer)}`);
}

async function main() {
  const signer = createWalletClient({
    account: privateKeyToAccount(PRIVATE_KEY),
    chain: polygonAmoy,
    transport: http("http://127.0.0.1:9"), // never used: the account signs locally
  });
  const address = signer.account.address;
  const l1 = new ClobClient({ host: HOST, chain: CHAIN_ID, signer, throwOnError: true });

  // --- set up the world through the simulator's admin routes (docs/SIMULATOR.md)
  const btc = await marketOf(MARKET);
  const fine = await marketOf(FINE_MARKET);
  const [token] = btc.tokens;
  const conditionId = btc.condition_id;
  const [fineToken] = fine.tokens;
  await check("setup: fund the wallet", () =>
    admin("fund", { address, pusd: "1000", pairs: { [MARKET]: "100", [FINE_MARKET]: "100" } }),
  );
  await check("setup: hold the market's price", () => admin("price", { slug: MARKET, price: "0.42" }));
  await check("setup: tick 0.001 on the fine market", () =>
    admin("tick-size", { slug: FINE_MARKET, tick_size: "0.001" }),
  );
  await check("setup: hold the fine market's price", () =>
    admin("price", { slug: FINE_MARKET, price: "0.273" }),
  );

  // --- public: health and markets
  await check("getOk", async () => expect((await l1.getOk()) === "OK", "not OK"));
  await check("getServerTime", async () => expect(Number(await l1.getServerTime()) > 0, "no time"));
  await check("getVersion", async () => expect((await l1.getVersion()) === 2, "not version 2"));
  const listed =
    (await check("getMarkets (every page, by cursor)", async () => {
      let cursor = "MA==";
      const seen = [];
      for (let pages = 0; cursor !== END_CURSOR; pages++) {
        expect(pages < 100, "cursor never ends");
        const page = await l1.getMarkets(cursor);
        for (const field of ["data", "next_cursor", "limit", "count"]) {
          expect(field in page, `page without ${field}`);
        }
        expect(page.count === page.data.length, "count is not the page's length");
        seen.push(...page.data);
        cursor = page.next_cursor;
      }
      expect(
        seen.some((m) => m.condition_id === conditionId),
        "market not listed",
      );
      return seen;
    })) ?? [];
  await check("getMarkets (a later cursor)", async () =>
    expect((await l1.getMarkets("MQ==")).data.length === listed.length - 1, "MQ== is not offset 1"),
  );
  await check("getSimplifiedMarkets", async () =>
    expect("tokens" in (await l1.getSimplifiedMarkets()).data[0], "no tokens"),
  );
  await check("getSamplingMarkets", async () =>
    expect((await l1.getSamplingMarkets()).next_cursor === END_CURSOR, "not a last page"),
  );
  await check("getSamplingSimplifiedMarkets", async () =>
    expect((await l1.getSamplingSimplifiedMarkets()).next_cursor === END_CURSOR, "not a last page"),
  );
  await check("getCurrentRewards", async () => expect((await l1.getCurrentRewards()).length === 0, "rewards"));
  await check("getRawRewardsForMarket", async () =>
    expect((await l1.getRawRewardsForMarket(conditionId)).length === 0, "rewards"),
  );
  await check("getMarket", async () =>
    expect((await l1.getMarket(conditionId)).tokens[0].token_id === token, "wrong market"),
  );
  await check("getClobMarketInfo", async () =>
    expect((await l1.getClobMarketInfo(conditionId)).t[0].t === token, "wrong tokens"),
  );
  // A fresh client resolves the token's market through GET /markets-by-token first.
  const fresh = new ClobClient({ host: HOST, chain: CHAIN_ID, throwOnError: true });
  await check("getFeeExponent (markets-by-token)", async () =>
    expect((await fresh.getFeeExponent(token)) >= 0, "no fee exponent"),
  );

  // --- public: book and prices
  await poll("the held price", async () => Math.abs(Number((await l1.getMidpoint(token)).mid) - 0.42) <= 0.01);
  await check("getOrderBook", async () =>
    expect((await l1.getOrderBook(token)).asset_id === token, "wrong book"),
  );
  await check("getOrderBooks", async () =>
    expect((await l1.getOrderBooks([{ token_id: token }])).length === 1, "not one book"),
  );
  await check("getOrderBookHash", async () =>
    expect((await l1.getOrderBookHash(await l1.getOrderBook(token))).length === 40, "not a SHA-1"),
  );
  const number = (text) => {
    expect(!Number.isNaN(Number(text)), `not a number: ${text}`);
  };
  await check("getPrice", async () => number((await l1.getPrice(token, "BUY")).price));
  await check("getPrices", async () => {
    const prices = await l1.getPrices([
      { token_id: token, side: Side.BUY },
      { token_id: token, side: Side.SELL },
    ]);
    expect(Object.keys(prices[token]).sort().join() === "BUY,SELL", "not both sides");
  });
  await check("getMidpoint", async () => number((await l1.getMidpoint(token)).mid));
  await check("getMidpoints", async () => number((await l1.getMidpoints([{ token_id: token }]))[token]));
  await check("getSpread", async () => number((await l1.getSpread(token)).spread));
  await check("getSpreads", async () => number((await l1.getSpreads([{ token_id: token }]))[token]));
  await check("getLastTradePrice", async () => number((await l1.getLastTradePrice(token)).price));
  await check("getLastTradesPrices", async () =>
    expect((await l1.getLastTradesPrices([{ token_id: token }]))[0].token_id === token, "wrong token"),
  );
  await check("getPricesHistory", async () =>
    expect(Array.isArray((await l1.getPricesHistory({ market: token, interval: "1h" })).history), "no history"),
  );
  await check("getTickSize", async () => expect((await l1.getTickSize(token)) === "0.01", "not 0.01"));
  await check("getNegRisk", async () => expect((await l1.getNegRisk(token)) === false, "neg risk"));
  await check("getFeeRateBps", async () => expect((await l1.getFeeRateBps(token)) === 0, "not 0"));

  // --- L1: API keys
  const creds = await check("createApiKey", () => l1.createApiKey());
  const derived = await check("deriveApiKey", () => l1.deriveApiKey());
  await check("createOrDeriveApiKey", async () =>
    expect((await l1.createOrDeriveApiKey()).key === creds?.key, "another key"),
  );
  if (!creds) return;
  await check("derive gives the created key", () =>
    expect(JSON.stringify(derived) === JSON.stringify(creds), "keys differ"),
  );
  const client = new ClobClient({ host: HOST, chain: CHAIN_ID, signer, creds, throwOnError: true });

  // --- L2: account
  await check("getApiKeys", async () =>
    expect((await client.getApiKeys()).apiKeys.includes(creds.key), "key not listed"),
  );
  await check("getBalanceAllowance", async () =>
    expect(Number((await client.getBalanceAllowance({ asset_type: "COLLATERAL" })).balance) > 0, "no pUSD"),
  );
  await check("getBalanceAllowance (conditional)", async () =>
    expect(
      Number((await client.getBalanceAllowance({ asset_type: "CONDITIONAL", token_id: token })).balance) > 0,
      "no shares",
    ),
  );
  await check("updateBalanceAllowance", () => client.updateBalanceAllowance({ asset_type: "COLLATERAL" }));
  await check("getClosedOnlyMode", async () =>
    expect((await client.getClosedOnlyMode()).closed_only === false, "closed only"),
  );

  // --- WebSockets: the market channel's book; the user channel, read after trading
  await check("market WebSocket: subscribe, receive the book", async () => {
    const ws = await socket(`${WS}/market`);
    ws.send({ assets_ids: [token], type: "market" });
    await ws.waitFor("the book", (e) => e.event_type === "book" && e.asset_id === token);
    ws.close();
  });
  const userWs = await check("user WebSocket: subscribe", () => socket(`${WS}/user`));
  userWs?.send({
    auth: { apiKey: creds.key, secret: creds.secret, passphrase: creds.passphrase },
    markets: [conditionId],
    type: "user",
  });

  // --- L2: orders
  const limit = (price) => client.createOrder({ tokenID: token, price, size: 10, side: Side.BUY });
  const placed = await check("createOrder + postOrder (limit)", async () =>
    client.postOrder(await limit(0.3), OrderType.GTC),
  );
  const orderId = placed?.success ? placed.orderID : undefined;
  await check("createAndPostOrder", async () =>
    expect(
      (await client.createAndPostOrder({ tokenID: token, price: 0.31, size: 10, side: Side.BUY })).success,
      "refused",
    ),
  );
  await check("getOrder", async () => expect((await client.getOrder(orderId)).status === "LIVE", "not LIVE"));
  await check("getOpenOrders (by market)", async () =>
    expect((await client.getOpenOrders({ market: conditionId })).some((o) => o.id === orderId), "not listed"),
  );
  await check("getOpenOrders (by id)", async () =>
    expect((await client.getOpenOrders({ id: orderId })).map((o) => o.id).join() === orderId, "not that order"),
  );
  await check("isOrderScoring", async () =>
    expect((await client.isOrderScoring({ order_id: orderId })).scoring === false, "shape"),
  );
  await check("areOrdersScoring", async () =>
    expect((await client.areOrdersScoring({ orderIds: [orderId] }))[orderId] === false, "shape"),
  );
  await check("cancelOrder", async () =>
    expect((await client.cancelOrder({ orderID: orderId })).canceled.join() === orderId, "not cancelled"),
  );
  const batch = await check("postOrders (batch)", async () =>
    client.postOrders([
      { order: await limit(0.29), orderType: OrderType.GTC },
      { order: await limit(0.28), orderType: OrderType.GTC },
    ]),
  );
  const batchIds = (batch ?? []).filter((a) => a.success).map((a) => a.orderID);
  await check("postOrders placed both", () => expect(batchIds.length === 2, JSON.stringify(batch)));
  await check("cancelOrders (batch)", async () =>
    expect((await client.cancelOrders(batchIds)).canceled.length === 2, "not both"),
  );

  // Market orders at tick 0.01: the client prices them from the book; they must fill.
  const market = (side, amount) =>
    client.createAndPostMarketOrder({ tokenID: token, amount, side }, undefined, OrderType.FOK);
  const bought = await check("createAndPostMarketOrder (BUY, FOK)", () => market(Side.BUY, 5));
  await check("market BUY filled", () =>
    expect(bought?.success && bought.status === "matched", JSON.stringify(bought)),
  );
  const sold = await check("createAndPostMarketOrder (SELL, FOK)", () => market(Side.SELL, 5));
  await check("market SELL filled", () =>
    expect(sold?.success && sold.status === "matched", JSON.stringify(sold)),
  );
  const takerIds = new Set([bought, sold].filter(Boolean).map((a) => a.orderID));

  const trades = await check("getTrades (by market)", () => client.getTrades({ market: conditionId }));
  await check("trades hold both market orders", () =>
    expect([...takerIds].every((id) => (trades ?? []).some((t) => t.taker_order_id === id)), "missing"),
  );
  await check("getMarketTradesEvents", async () =>
    expect(
      (await client.getMarketTradesEvents(conditionId)).some((e) => e.user.address === address.toLowerCase()),
      "no trade of this wallet",
    ),
  );
  await check("getPreMigrationOrders", async () =>
    expect((await client.getPreMigrationOrders()).length === 0, "V1-era orders"),
  );
  await check("getTradesPaginated", async () =>
    expect((await client.getTradesPaginated({ market: conditionId })).trades.length >= 2, "empty"),
  );
  const notes = await check("getNotifications", () =>
    poll("fill notifications", async () => {
      const mine = (await client.getNotifications()).filter((n) => takerIds.has(n.payload?.order_id));
      return mine.length > 0 && mine;
    }),
  );
  const noteIds = (notes || []).map((n) => String(n.id));
  await check("dropNotifications", () => client.dropNotifications({ ids: noteIds }));
  await check("dropped notifications are gone", async () =>
    expect(!(await client.getNotifications()).some((n) => noteIds.includes(String(n.id))), "still there"),
  );

  const resting = await check("limit order to cancel by market", async () =>
    client.postOrder(await limit(0.27), OrderType.GTC),
  );
  await check("cancelMarketOrders", async () =>
    expect(
      (await client.cancelMarketOrders({ market: conditionId })).canceled.includes(resting?.orderID),
      "not cancelled",
    ),
  );
  const last = await check("limit order to cancel all", async () =>
    client.postOrder(await limit(0.26), OrderType.GTC),
  );
  await check("cancelAll", async () =>
    expect((await client.cancelAll()).canceled.includes(last?.orderID), "not cancelled"),
  );
  // Production answers a heartbeat with `{"heartbeat_id": ..., "error": null}`, and throwOnError
  // treats any `error` key as a failure, even null: heartbeats go through a client with the
  // default (throwOnError off), as a trader's script would, and `error` must be null or absent.
  const beating = new ClobClient({ host: HOST, chain: CHAIN_ID, signer, creds });
  const heartbeat = async (previous) => {
    const answer = await beating.postHeartbeat(previous);
    expect(typeof answer.heartbeat_id === "string" && answer.heartbeat_id, JSON.stringify(answer));
    expect(answer.error == null, `error: ${JSON.stringify(answer.error)}`);
    return answer;
  };
  const beat = await check("postHeartbeat", () => heartbeat(""));
  await check("postHeartbeat (chained)", () => heartbeat(beat?.heartbeat_id));

  // The user channel saw this wallet's order and its trades.
  await check("user WebSocket: the wallet's order and trade events", async () => {
    expect(userWs, "no socket");
    await userWs.waitFor("the order event", (e) => e.event_type === "order" && e.id === orderId);
    await userWs.waitFor(
      "the trade events",
      (e) => e.event_type === "trade" && takerIds.has(e.taker_order_id),
    );
    userWs.close();
  });

  // Fine tick: production refuses the SDK's 5-decimal market-order amounts (PROTOCOL.md 13.1).
  const fineRefusal = async (side, amount, text) => {
    const order = await client.createMarketOrder({ tokenID: fineToken, amount, side });
    expect(
      decimals(order.makerAmount) > 2 || decimals(order.takerAmount) > 4,
      `the SDK built amounts production accepts (${order.makerAmount}/${order.takerAmount})`,
    );
    const got = await refusalOf(() => client.postOrder(order, OrderType.FOK));
    expect(got === text, `refused with ${JSON.stringify(got)}, production says ${JSON.stringify(text)}`);
  };
  await check("market BUY at tick 0.001: production's refusal", () =>
    fineRefusal(Side.BUY, 5, FINE_BUY_REFUSAL),
  );
  await check("market SELL at tick 0.001: production's refusal", () =>
    fineRefusal(Side.SELL, 10.01, FINE_SELL_REFUSAL),
  );
}

try {
  await main();
} catch (error) {
  failed++;
  console.log(`FAIL run: ${error?.message ?? error}`);
  console.error(error);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
