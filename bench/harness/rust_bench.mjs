// Turns one run of a PolyAgent Rust bench into one JSON line, like the other harnesses print:
// criterion's estimates (median ns per iteration, by benchmark id) from the folder the run wrote
// (CRITERION_HOME), plus the figures the benches print themselves (messages per CPU-second,
// tick-to-order percentiles) from its captured stdout.
//   node rust_bench.mjs <name> <criterion folder> <stdout file>
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const [name, criterionDir, stdoutFile] = process.argv.slice(2);

const estimates = {};
const walk = (dir) => {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    const benchmark = join(path, "new", "benchmark.json");
    if (existsSync(benchmark)) {
      const id = JSON.parse(readFileSync(benchmark, "utf8")).full_id;
      const e = JSON.parse(readFileSync(join(path, "new", "estimates.json"), "utf8"));
      estimates[id] = { median_ns: e.median.point_estimate, mean_ns: e.mean.point_estimate };
    }
    walk(path);
  }
};
walk(criterionDir);

const printed = {};
const stdout = existsSync(stdoutFile) ? readFileSync(stdoutFile, "utf8") : "";
for (const m of stdout.matchAll(/^cpu-time (\S+): (\d+) messages per CPU-second/gm)) {
  printed[`cpu-time ${m[1]}`] = Number(m[2]);
}
const t2o = stdout.match(
  /tick-to-order over loopback \((\d+) orders\): p50 (\d+) us, p90 (\d+) us, p99 (\d+) us, max (\d+) us/,
);
if (t2o) {
  const [orders, p50, p90, p99, max] = t2o.slice(1).map(Number);
  printed["tick-to-order"] = { orders, p50_us: p50, p90_us: p90, p99_us: p99, max_us: max };
  // The same run split by the path each order took (armed or slow) and its side.
  const paths = [
    ...stdout.matchAll(/^ {2}(armed|slow path), (Buy|Sell) \((\d+) orders\)(?:: p50 (\d+) us, p90 (\d+) us, p99 (\d+) us, max (\d+) us)?/gm),
  ].map((m) => ({ path: m[1], side: m[2], orders: Number(m[3]), p99_us: m[6] ? Number(m[6]) : null }));
  if (paths.length) printed["tick-to-order paths"] = paths;
}

console.log(JSON.stringify({ harness: name, estimates, printed }));
