"""Times the official Python client, py_clob_client_v2, on the bench's two operations and prints
one JSON line.

- `order`: build + EIP-712 sign + POST body of golden vector v2-01 (a 0.01-tick BUY, EOA), the
  way `ClobClient.create_order` + `post_order` do it without the network: `OrderBuilder.build_order`,
  then `order_to_json_v2` and the compact `json.dumps` the client sends.
- `l2`: the L2 headers for that `POST /order` body (`create_level_2_headers`).

Before timing, each operation is run once with the vector's salt and timestamp pinned and its
output compared with the vector, so the timed code is known to do the same work as PolyAgent's.
Usage: python python_client.py <limit_orders_v2.json> <seconds per operation>
"""

import importlib.metadata
import json
import statistics
import sys
import time

from py_clob_client_v2.clob_types import ApiCreds, CreateOrderOptions, OrderArgsV2, RequestArgs
from py_clob_client_v2.headers.headers import create_level_2_headers
from py_clob_client_v2.order_builder import builder as builder_module
from py_clob_client_v2.order_builder.builder import OrderBuilder
from py_clob_client_v2.order_utils.exchange_order_builder_v2 import ExchangeOrderBuilderV2
from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2
from py_clob_client_v2.signer import Signer


def timed(operation, seconds):
    """Median ns per call over batches of about 50 ms, for `seconds` in all."""
    for _ in range(20):
        operation()
    start = time.perf_counter_ns()
    calls = 0
    while time.perf_counter_ns() - start < 50_000_000:
        operation()
        calls += 1
    batch = max(1, calls)
    per_call = []
    total = 0
    deadline = time.perf_counter_ns() + int(seconds * 1e9)
    while time.perf_counter_ns() < deadline or len(per_call) < 5:
        begin = time.perf_counter_ns()
        for _ in range(batch):
            operation()
        per_call.append((time.perf_counter_ns() - begin) / batch)
        total += batch
    return {"ns": statistics.median(per_call), "iterations": total}


def main():
    vectors = json.load(open(sys.argv[1]))
    seconds = float(sys.argv[2])
    meta = vectors["meta"]
    vector = vectors["vectors"][0]
    fields = vector["input"]
    creds_raw = meta["api_creds (made-up)"]
    creds = ApiCreds(creds_raw["key"], creds_raw["secret"], creds_raw["passphrase"])
    signer = Signer(meta["signer_private_key"], fields["chain_id"])
    order_builder = OrderBuilder(signer)
    options = CreateOrderOptions(tick_size=fields["tick_size"], neg_risk=fields["neg_risk"])

    def order_body():
        args = OrderArgsV2(
            token_id=fields["token_id"],
            price=fields["price"],
            size=fields["size"],
            side=fields["side"],
        )
        signed = order_builder.build_order(args, options, version=2)
        payload = order_to_json_v2(signed, creds.api_key, fields["order_type"])
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)

    body = vector["post_body"]
    ts = meta["l2_timestamp_used_for_post_headers"]

    def l2_headers():
        return create_level_2_headers(
            signer, creds, RequestArgs("POST", "/order", serialized_body=body), timestamp=ts
        )

    # The check: salt and clock pinned as the vectors were made, then put back.
    salt_defaults = ExchangeOrderBuilderV2.__init__.__defaults__
    real_time = builder_module.time
    ExchangeOrderBuilderV2.__init__.__defaults__ = (lambda: str(fields["salt"]),) + salt_defaults[1:]

    class PinnedClock:
        @staticmethod
        def time_ns():
            return fields["timestamp"] * 1_000_000

    builder_module.time = PinnedClock
    try:
        order_matches = order_body() == vector["post_body"]
    finally:
        ExchangeOrderBuilderV2.__init__.__defaults__ = salt_defaults
        builder_module.time = real_time
    l2_matches = l2_headers()["POLY_SIGNATURE"] == vector["post_headers"]["POLY_SIGNATURE"]

    print(
        json.dumps(
            {
                "harness": "py_clob_client_v2",
                "client": "py_clob_client_v2 " + importlib.metadata.version("py_clob_client_v2"),
                "runtime": "CPython " + sys.version.split()[0],
                "coincurve": _installed("coincurve"),
                "order": dict(timed(order_body, seconds), matches_vector=order_matches),
                "l2": dict(timed(l2_headers, seconds), matches_vector=l2_matches),
            }
        )
    )


def _installed(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
