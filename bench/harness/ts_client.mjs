// Times the official TypeScript client, @polymarket/clob-client-v2 with a viem wallet client, on
// the bench's two operations and prints one JSON line.
//
// - `order`: build + EIP-712 sign + POST body of golden vector v2-01 (a 0.01-tick BUY, EOA), as
//   `ClobClient.createOrder` + `postOrder` do it without the network: `OrderBuilder.buildOrder`,
//   then `orderToJsonV2` and the `JSON.stringify` the client signs and sends.
// - `l2`: the L2 headers for that `POST /order` body (`createL2Headers`).
//
// Before timing, each operation runs once with the vector's salt and timestamp pinned and its
// output is compared with the vector (`ts_crosscheck`), so the timed code does the same work.
// scripts/bench runs it with the project's own node_modules, where `npm ci` installed the client and
// viem at the versions package-lock.json pins: node ts_client.mjs <limit_orders_v2.json> <seconds>
import { readFileSync } from "node:fs";

import * as clob from "@polymarket/clob-client-v2";
import * as viem from "viem";
import * as accounts from "viem/accounts";
import * as chains from "viem/chains";

const [vectorsPath, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const version = (name) =>
  JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), "utf8"))
    .version;

const vectors = JSON.parse(readFileSync(vectorsPath, "utf8"));
const meta = vectors.meta;
const vector = vectors.vectors[0];
const fields = vector.input;
const rawCreds = meta["api_creds (made-up)"];
const creds = { key: rawCreds.key, secret: rawCreds.secret, passphrase: rawCreds.passphrase };

const wallet = viem.createWalletClient({
  account: accounts.privateKeyToAccount(meta.signer_private_key),
  chain: chains.polygon,
  transport: viem.http("http://127.0.0.1:9"), // never used: local account, signing is offline
});
const builder = new clob.OrderBuilder(wallet, fields.chain_id);
const options = { tickSize: fields.tick_size, negRisk: fields.neg_risk };
const side = fields.side === "BUY" ? clob.Side.BUY : clob.Side.SELL;

async function orderBody() {
  const order = await builder.buildOrder(
    { tokenID: fields.token_id, price: fields.price, size: fields.size, side },
    options,
    2,
  );
  return JSON.stringify(clob.orderToJsonV2(order, creds.key, fields.order_type));
}

const body = vector.post_body;
const ts = meta.l2_timestamp_used_for_post_headers;
const l2Headers = () =>
  clob.createL2Headers(wallet, creds, { method: "POST", requestPath: "/order", body }, ts);

/** Median ns per call over batches of about 50 ms, for `seconds` in all. */
async function timed(operation) {
  for (let i = 0; i < 20; i++) await operation();
  let calls = 0;
  const probe = process.hrtime.bigint();
  while (process.hrtime.bigint() - probe < 50_000_000n) {
    await operation();
    calls++;
  }
  const batch = Math.max(1, calls);
  const perCall = [];
  let total = 0;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline || perCall.length < 5) {
    const begin = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await operation();
    perCall.push(Number(process.hrtime.bigint() - begin) / batch);
    total += batch;
  }
  perCall.sort((a, b) => a - b);
  const mid = perCall.length >> 1;
  const ns = perCall.length % 2 ? perCall[mid] : (perCall[mid - 1] + perCall[mid]) / 2;
  return { ns, iterations: total };
}

// The check: salt (Math.random × Date.now) and clock pinned as the vectors were made, then put back.
const realNow = Date.now;
const realRandom = Math.random;
Date.now = () => fields.timestamp;
Math.random = () => fields.salt / fields.timestamp;
let orderMatches;
try {
  orderMatches = (await orderBody()) === vector.ts_crosscheck.post_body;
} finally {
  Date.now = realNow;
  Math.random = realRandom;
}
const l2Matches =
  (await l2Headers()).POLY_SIGNATURE === vector.post_headers.POLY_SIGNATURE;

console.log(
  JSON.stringify({
    harness: "clob-client-v2",
    client: `@polymarket/clob-client-v2 ${version("@polymarket/clob-client-v2")} + viem ${version("viem")}`,
    runtime: `Node.js ${process.versions.node}`,
    order: { ...(await timed(orderBody)), matches_vector: orderMatches },
    l2: { ...(await timed(l2Headers)), matches_vector: l2Matches },
  }),
);
