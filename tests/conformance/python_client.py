"""Conformance: Polymarket's official Python client (py_clob_client_v2) against `polyagent sim`.

Run by tests/conformance/run inside a throwaway virtualenv: python python_client.py <base url>.
Calls, as a trader's script would, every public and L2 method that applies to one market, plus
the market and user WebSockets, and prints one line per call (`ok <name>` or `FAIL <name>: why`)
and a closing `N passed, N failed`. Exits non-zero on any failure.

Where production itself refuses the official client (market orders on a 0.001-tick market: the
SDK sends 5-decimal amounts, production caps them at 2 and 4; PROTOCOL.md section 13.1), the
expected result is production's refusal text, exactly.
"""

import json
import os
import sys
import time
import traceback
import urllib.request
from decimal import Decimal

from py_clob_client_v2 import ClobClient
from py_clob_client_v2.clob_types import (
    AssetType,
    BalanceAllowanceParams,
    BookParams,
    DropNotificationParams,
    MarketOrderArgsV2,
    OpenOrderParams,
    OrderArgsV2,
    OrderMarketCancelParams,
    OrderPayload,
    OrderScoringParams,
    OrdersScoringParams,
    OrderType,
    PostOrdersV2Args,
    PricesHistoryParams,
    TradeParams,
)
from py_clob_client_v2.exceptions import PolyApiException
from websockets.sync.client import connect

# A simulator verifies signatures for Amoy only (issue #16): the official client signs
# its L1 auth and orders for chain 80002, never for Polygon mainnet.
CHAIN_ID = 80002
# Hardhat/Anvil test account #2: a public test key, never real funds.
PRIVATE_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
# The demo scenario's markets: one at tick 0.01 for trading, one set to tick 0.001.
MARKET = "demo-btc-above-150k-2027"
FINE_MARKET = "demo-ai-model-wins-math-olympiad"
DEADLINE_S = 15.0
END_CURSOR = "LTE="

# Production's refusal of a marketable order with more than 2 (maker) / 4 (taker) decimals.
FINE_BUY_REFUSAL = (
    "invalid amounts, the market buy orders maker amount supports a max accuracy of 2 decimals, "
    "taker amount a max of 4 decimals"
)
FINE_SELL_REFUSAL = (
    "invalid amounts, the market sell orders maker amount supports a max accuracy of 2 decimals, "
    "taker amount a max of 4 decimals"
)

HOST = sys.argv[1].rstrip("/")
# The admin routes need the run's token: the second line `polyagent sim` printed.
ADMIN_TOKEN = os.environ["POLYAGENT_SIM_TOKEN"]
WS = HOST.replace("http://", "ws://") + "/ws"
passed = 0
failed = 0


def check(name, call):
    """Runs one call; prints ok/FAIL. Returns the call's result, or None when it failed."""
    global passed, failed
    try:
        result = call()
    except Exception as error:  # noqa: BLE001 - every failure is reported, none stops the run
        failed += 1
        detail = str(error) or repr(error)
        print(f"FAIL {name}: {detail}", flush=True)
        traceback.print_exc(file=sys.stderr)
        return None
    passed += 1
    print(f"ok {name}", flush=True)
    return result


def expect(condition, why):
    if not condition:
        raise AssertionError(why)


def admin(path, body):
    request = urllib.request.Request(
        f"{HOST}/admin/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def state():
    request = urllib.request.Request(
        f"{HOST}/admin/state", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def market_of(slug):
    return next(m for m in state()["markets"] if m["slug"] == slug)


def poll(what, probe):
    """Polls `probe` until it returns a truthy value, with a deadline."""
    give_up = time.monotonic() + DEADLINE_S
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > give_up:
            raise AssertionError(f"{what}: not within {DEADLINE_S} s")
        time.sleep(0.05)


def decimals(base_units):
    """Decimals of a 6-decimal base-unit amount as the exchange reads it."""
    text = str(Decimal(int(base_units)) / Decimal(10**6)).rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def refusal_of(call):
    """The `error` text of the 4xx a call must end in."""
    try:
        answer = call()
    except PolyApiException as error:
        expect(error.status_code == 400, f"status {error.status_code}, wanted 400: {error}")
        body = error.error_msg
        expect(isinstance(body, dict) and "error" in body, f"no error field: {body}")
        return body["error"]
    raise AssertionError(f"accepted, production refuses it: {answer}")


def main():
    client = ClobClient(HOST, chain_id=CHAIN_ID, key=PRIVATE_KEY)
    address = client.get_address()

    # --- set up the world through the simulator's admin routes (docs/SIMULATOR.md)
    btc = market_of(MARKET)
    fine = market_of(FINE_MARKET)
    token, condition_id = btc["tokens"][0], btc["condition_id"]
    fine_token = fine["tokens"][0]
    check("setup: fund the wallet", lambda: admin("fund", {
        "address": address, "pusd": "1000", "pairs": {MARKET: "100", FINE_MARKET: "100"}}))
    check("setup: hold the market's price", lambda: admin("price", {"slug": MARKET, "price": "0.42"}))
    check("setup: tick 0.001 on the fine market",
          lambda: admin("tick-size", {"slug": FINE_MARKET, "tick_size": "0.001"}))
    check("setup: hold the fine market's price",
          lambda: admin("price", {"slug": FINE_MARKET, "price": "0.273"}))

    # --- public: health and markets
    check("get_ok", lambda: expect(client.get_ok() == "OK", "not OK"))
    check("get_server_time", lambda: expect(int(client.get_server_time()) > 0, "no time"))
    check("get_version", lambda: expect(client.get_version() == 2, "not version 2"))

    def all_markets():
        cursor, seen, pages = "MA==", [], 0
        while cursor != END_CURSOR:
            page = client.get_markets(next_cursor=cursor)
            for field in ("data", "next_cursor", "limit", "count"):
                expect(field in page, f"page without {field}: {list(page)}")
            expect(page["count"] == len(page["data"]), "count is not the page's length")
            seen += page["data"]
            cursor, pages = page["next_cursor"], pages + 1
            expect(pages < 100, "cursor never ends")
        expect(any(m["condition_id"] == condition_id for m in seen), "market not listed")
        return seen

    listed = check("get_markets (every page, by cursor)", all_markets) or []
    check("get_markets (a later cursor)", lambda: expect(
        len(client.get_markets(next_cursor="MQ==")["data"]) == len(listed) - 1,
        "cursor MQ== is not the second market on"))
    check("get_simplified_markets", lambda: expect(
        "tokens" in client.get_simplified_markets()["data"][0], "no tokens"))
    check("get_sampling_markets", lambda: expect(
        client.get_sampling_markets()["next_cursor"] == END_CURSOR, "not a last page"))
    check("get_sampling_simplified_markets", lambda: expect(
        client.get_sampling_simplified_markets()["next_cursor"] == END_CURSOR, "not a last page"))
    check("get_current_rewards", lambda: expect(client.get_current_rewards() == [], "rewards"))
    check("get_raw_rewards_for_market", lambda: expect(
        client.get_raw_rewards_for_market(condition_id) == [], "rewards"))
    check("get_market", lambda: expect(
        client.get_market(condition_id)["tokens"][0]["token_id"] == token, "wrong market"))
    check("get_clob_market_info", lambda: expect(
        client.get_clob_market_info(condition_id)["t"][0]["t"] == token, "wrong tokens"))
    # A fresh client resolves the token's market through GET /markets-by-token first.
    fresh = ClobClient(HOST, chain_id=CHAIN_ID)
    check("get_fee_exponent (markets-by-token)", lambda: expect(
        fresh.get_fee_exponent(token) >= 0, "no fee exponent"))

    # --- public: book and prices
    poll("the held price", lambda: abs(Decimal(client.get_midpoint(token)["mid"]) - Decimal("0.42"))
         <= Decimal("0.01"))
    check("get_order_book", lambda: expect(
        client.get_order_book(token)["asset_id"] == token, "wrong book"))
    check("get_order_books", lambda: expect(
        len(client.get_order_books([BookParams(token_id=token)])) == 1, "not one book"))
    check("get_order_book_hash", lambda: expect(
        len(client.get_order_book_hash(client.get_order_book(token))) == 40, "not a SHA-1"))
    check("get_price", lambda: Decimal(client.get_price(token, "BUY")["price"]))
    check("get_prices", lambda: expect(
        set(client.get_prices([BookParams(token_id=token, side="BUY"),
                               BookParams(token_id=token, side="SELL")])[token]) == {"BUY", "SELL"},
        "not both sides"))
    check("get_midpoint", lambda: Decimal(client.get_midpoint(token)["mid"]))
    check("get_midpoints", lambda: Decimal(client.get_midpoints([BookParams(token_id=token)])[token]))
    check("get_spread", lambda: Decimal(client.get_spread(token)["spread"]))
    check("get_spreads", lambda: Decimal(client.get_spreads([BookParams(token_id=token)])[token]))
    check("get_last_trade_price", lambda: Decimal(client.get_last_trade_price(token)["price"]))
    check("get_last_trades_prices", lambda: expect(
        client.get_last_trades_prices([BookParams(token_id=token)])[0]["token_id"] == token,
        "wrong token"))
    check("get_prices_history", lambda: expect(
        isinstance(client.get_prices_history(
            PricesHistoryParams(market=token, interval="1h"))["history"], list), "no history"))
    check("get_tick_size", lambda: expect(client.get_tick_size(token) == "0.01", "not 0.01"))
    check("get_neg_risk", lambda: expect(client.get_neg_risk(token) is False, "neg risk"))
    check("get_fee_rate_bps", lambda: expect(client.get_fee_rate_bps(token) == 0, "not 0"))

    # --- L1: API keys
    creds = check("create_api_key", lambda: client.create_api_key())
    derived = check("derive_api_key", lambda: client.derive_api_key())
    check("create_or_derive_api_key", lambda: expect(
        client.create_or_derive_api_key().api_key == creds.api_key, "another key"))
    if creds is None:
        return
    check("derive gives the created key", lambda: expect(derived == creds, "keys differ"))
    client.set_api_creds(creds)

    # --- L2: account
    check("get_api_keys", lambda: expect(
        creds.api_key in client.get_api_keys()["apiKeys"], "key not listed"))
    check("get_balance_allowance", lambda: expect(int(client.get_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))["balance"]) > 0, "no pUSD"))
    check("get_balance_allowance (conditional)", lambda: expect(int(client.get_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token))["balance"]) > 0,
        "no shares"))
    check("update_balance_allowance", lambda: client.update_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)))
    check("get_closed_only_mode", lambda: expect(
        client.get_closed_only_mode() == {"closed_only": False}, "closed only"))

    # --- WebSockets: the market channel's book; the user channel, read after trading
    def market_socket():
        with connect(f"{WS}/market", open_timeout=DEADLINE_S) as ws:
            ws.send(json.dumps({"assets_ids": [token], "type": "market"}))
            give_up = time.monotonic() + DEADLINE_S
            while time.monotonic() < give_up:
                frame = json.loads(ws.recv(timeout=give_up - time.monotonic()))
                for event in frame if isinstance(frame, list) else [frame]:
                    if event.get("event_type") == "book" and event.get("asset_id") == token:
                        return
            raise AssertionError("no book")

    check("market WebSocket: subscribe, receive the book", market_socket)
    user_ws = check("user WebSocket: subscribe", lambda: connect(f"{WS}/user", open_timeout=10))
    if user_ws is not None:
        user_ws.send(json.dumps({
            "auth": {"apiKey": creds.api_key, "secret": creds.api_secret,
                     "passphrase": creds.api_passphrase},
            "markets": [condition_id], "type": "user"}))

    # --- L2: orders
    def limit(price, size=10.0):
        return client.create_order(OrderArgsV2(token_id=token, price=price, size=size, side="BUY"))

    placed = check("create_order + post_order (limit)", lambda: client.post_order(limit(0.30)))
    order_id = placed["orderID"] if placed and placed.get("success") else None
    if placed and not order_id:
        check("limit order accepted", lambda: expect(False, f"refused: {placed}"))
    check("create_and_post_order", lambda: expect(client.create_and_post_order(
        OrderArgsV2(token_id=token, price=0.31, size=10.0, side="BUY"))["success"], "refused"))
    check("get_order", lambda: expect(client.get_order(order_id)["status"] == "LIVE", "not LIVE"))
    check("get_open_orders (by market)", lambda: expect(
        order_id in [o["id"] for o in client.get_open_orders(OpenOrderParams(market=condition_id))],
        "order not listed"))
    check("get_open_orders (by id)", lambda: expect(
        [o["id"] for o in client.get_open_orders(OpenOrderParams(id=order_id))] == [order_id],
        "not that order"))
    check("is_order_scoring", lambda: expect(
        client.is_order_scoring(OrderScoringParams(orderId=order_id)) == {"scoring": False},
        "shape"))
    check("are_orders_scoring", lambda: expect(
        client.are_orders_scoring(OrdersScoringParams(orderIds=[order_id])) == {order_id: False},
        "shape"))
    check("cancel_order", lambda: expect(
        client.cancel_order(OrderPayload(orderID=order_id))["canceled"] == [order_id],
        "not cancelled"))

    batch = check("post_orders (batch)", lambda: client.post_orders([
        PostOrdersV2Args(order=limit(0.29), orderType=OrderType.GTC),
        PostOrdersV2Args(order=limit(0.28), orderType=OrderType.GTC)]))
    batch_ids = [a["orderID"] for a in batch or [] if a.get("success")]
    check("post_orders placed both", lambda: expect(len(batch_ids) == 2, f"{batch}"))
    check("cancel_orders (batch)", lambda: expect(
        sorted(client.cancel_orders(batch_ids)["canceled"]) == sorted(batch_ids), "not both"))

    # Market orders at tick 0.01: the client prices them from the book; they must fill.
    bought = check("create_and_post_market_order (BUY, FOK)", lambda: client.create_and_post_market_order(
        MarketOrderArgsV2(token_id=token, amount=5, side="BUY"), order_type=OrderType.FOK))
    check("market BUY filled", lambda: expect(
        bought and bought["success"] and bought["status"] == "matched", f"{bought}"))
    sold = check("create_and_post_market_order (SELL, FOK)", lambda: client.create_and_post_market_order(
        MarketOrderArgsV2(token_id=token, amount=5, side="SELL"), order_type=OrderType.FOK))
    check("market SELL filled", lambda: expect(
        sold and sold["success"] and sold["status"] == "matched", f"{sold}"))
    taker_ids = {a["orderID"] for a in (bought, sold) if a}

    trades = check("get_trades (by market)", lambda: client.get_trades(TradeParams(market=condition_id)))
    check("trades hold both market orders", lambda: expect(
        taker_ids <= {t["taker_order_id"] for t in trades or []}, "missing trades"))
    check("get_market_trades_events", lambda: expect(any(
        e["user"]["address"] == address.lower() for e in client.get_market_trades_events(condition_id)),
        "no trade of this wallet"))
    check("get_pre_migration_orders", lambda: expect(
        client.get_pre_migration_orders() == [], "V1-era orders"))
    check("get_trades_paginated", lambda: expect(
        len(client.get_trades_paginated(TradeParams(market=condition_id))["trades"]) >= 2, "empty"))

    notes = check("get_notifications", lambda: poll("fill notifications", lambda: [
        n for n in client.get_notifications() if n["payload"].get("order_id") in taker_ids]))
    note_ids = [str(n["id"]) for n in notes or []]
    check("drop_notifications", lambda: client.drop_notifications(DropNotificationParams(ids=note_ids)))
    check("dropped notifications are gone", lambda: expect(
        not {str(n["id"]) for n in client.get_notifications()} & set(note_ids), "still there"))

    resting = check("limit order to cancel by market", lambda: client.post_order(limit(0.27)))
    check("cancel_market_orders", lambda: expect(resting["orderID"] in client.cancel_market_orders(
        OrderMarketCancelParams(market=condition_id))["canceled"], "not cancelled"))
    resting = check("limit order to cancel all", lambda: client.post_order(limit(0.26)))
    check("cancel_all", lambda: expect(
        resting["orderID"] in client.cancel_all()["canceled"], "not cancelled"))
    beat = check("post_heartbeat", lambda: client.post_heartbeat(""))
    check("post_heartbeat (chained)", lambda: client.post_heartbeat(beat["heartbeat_id"]))

    # The user channel saw this wallet's order and its trades.
    def user_events():
        if user_ws is None:
            raise AssertionError("no socket")
        kinds, give_up = set(), time.monotonic() + DEADLINE_S
        while not {"order", "trade"} <= kinds:
            left = give_up - time.monotonic()
            expect(left > 0, f"only {sorted(kinds)} within {DEADLINE_S} s")
            frame = json.loads(user_ws.recv(timeout=left))
            for event in frame if isinstance(frame, list) else [frame]:
                if event.get("event_type") == "order" and event.get("id") == order_id:
                    kinds.add("order")
                if event.get("event_type") == "trade" and event.get("taker_order_id") in taker_ids:
                    kinds.add("trade")
        user_ws.close()

    check("user WebSocket: the wallet's order and trade events", user_events)

    # Fine tick: production refuses the SDK's 5-decimal market-order amounts (PROTOCOL.md 13.1).
    def fine_refusal(side, amount, text):
        order = client.create_market_order(
            MarketOrderArgsV2(token_id=fine_token, amount=amount, side=side))
        expect(decimals(order.makerAmount) > 2 or decimals(order.takerAmount) > 4,
               f"the SDK built amounts production accepts ({order.makerAmount}/{order.takerAmount})")
        got = refusal_of(lambda: client.post_order(order, OrderType.FOK))
        expect(got == text, f"refused with {got!r}, production says {text!r}")

    check("market BUY at tick 0.001: production's refusal",
          lambda: fine_refusal("BUY", 5, FINE_BUY_REFUSAL))
    check("market SELL at tick 0.001: production's refusal",
          lambda: fine_refusal("SELL", 10.01, FINE_SELL_REFUSAL))


try:
    main()
except Exception as error:  # noqa: BLE001 - a crash is one more failure, with its reason
    failed += 1
    print(f"FAIL run: {error}", flush=True)
    traceback.print_exc(file=sys.stderr)
print(f"{passed} passed, {failed} failed", flush=True)
sys.exit(1 if failed else 0)
