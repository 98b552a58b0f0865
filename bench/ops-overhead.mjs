// Overhead of the ops middleware on POST /task: throughput and server CPU per request, interleaved runs against
// gateways that differ only in METRICS_ENABLED / LOG_REQUESTS (and optionally a tree without the middleware).
// First, the middleware's own per-request work (accumulate + format the log line) timed in a loop, which a busy
// machine cannot blur. Usage: npx node bench/ops-overhead.mjs [--seconds 10] [--rounds 2] [--micro-only]
//   [--baseline-config /path/to/other/wrangler.toml]
// Targets 127.0.0.1 only; every run is bounded by --seconds and the script stops its gateways when done.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startWranglerDev } from "../scripts/wrangler-dev.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    "baseline-config": { type: "string" },
    "micro-only": { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by the processes of a process group: workerd apart from the rest (wrangler's Node side). */
function groupCpuSeconds(pgid) {
  const cpu = { workerd: 0, other: 0 };
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      cpu[name.startsWith("workerd") ? "workerd" : "other"] += (Number(fields[11]) + Number(fields[12])) / TICKS;
    } catch {
      /* process ended */
    }
  }
  return cpu;
}

function load(url, token, seconds) {
  return autocannon({
    url: `${url}/webhooks/v2/task`,
    method: "POST",
    connections: CONNECTIONS,
    duration: seconds,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "add_task", task: "benchmark task for the ops middleware" }),
  });
}

/** Bundles the pure ops modules (esbuild, which wrangler brings) and times their per-request work. */
async function micro() {
  const { build } = await import("esbuild");
  const dir = mkdtempSync(join(tmpdir(), "ops-micro-"));
  const root = fileURLToPath(new URL("..", import.meta.url));
  try {
    const out = join(dir, "ops.mjs");
    await build({
      stdin: {
        contents: `export { MetricsAccumulator } from "./src/ops/metrics-accumulator"; export { formatRequestLog } from "./src/ops/request-log"; export { fieldMatcher } from "./src/ops/redact";`,
        resolveDir: root,
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "neutral",
      outfile: out,
      logLevel: "silent",
    });
    const { MetricsAccumulator, formatRequestLog, fieldMatcher } = await import(out);
    const routes = ["POST /webhooks/v2/task", "POST /webhooks/v2/notify", "GET /webhooks/v2/task/:id/status"];
    const tokens = Array.from({ length: 50 }, (_, i) => `tok-${i}`);
    const ips = Array.from({ length: 200 }, (_, i) => `203.0.113.${i}`);
    const time = (n, fn) => {
      for (let i = 0; i < n / 10; i++) fn(i);
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn(i);
      return Number(process.hrtime.bigint() - started) / n / 1000;
    };
    const acc = new MetricsAccumulator();
    const policy = { intervalMs: 10_000, requests: 500 };
    const record = time(1_000_000, (i) => {
      acc.recordRequest({ route: routes[i % 3], status: i % 17 === 0 ? 400 : 201, durationMs: i % 40, tokenId: tokens[i % 50], sourceIp: ips[i % 200] });
      if (acc.due(policy)) acc.take();
    });
    const matcher = fieldMatcher(["password", "secret", "token", "authorization", "apiKey", "api_key", "key"]);
    const input = { requestId: "req-abcdefghijkl", method: "POST", route: "/webhooks/v2/task", path: "/webhooks/v2/task", search: "", status: 201, durationMs: 4, tokenId: "tok-1", ip: "203.0.113.9", userAgent: "autocannon", at: Date.now() };
    const log = time(200_000, () => formatRequestLog(input, matcher));
    console.log(`| middleware work per request | µs |`);
    console.log(`| --- | --- |`);
    console.log(`| metrics: record + due check | ${record.toFixed(3)} |`);
    console.log(`| log line: build + JSON | ${log.toFixed(3)} |`);
    console.log("");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await micro();
if (values["micro-only"]) process.exit(0);

const common = { RATE_LIMITS_ENABLED: "false" };
const variants = [
  { name: "metrics off, logs off", vars: { ...common, METRICS_ENABLED: "false", LOG_REQUESTS: "false" } },
  { name: "metrics on, logs off", vars: { ...common, METRICS_ENABLED: "true", LOG_REQUESTS: "false" } },
  { name: "metrics on, logs on (defaults)", vars: { ...common, METRICS_ENABLED: "true", LOG_REQUESTS: "true" } },
];
if (values["baseline-config"]) variants.unshift({ name: "without ops middleware", vars: common, config: values["baseline-config"] });

const gateways = [];
try {
  for (const v of variants) {
    gateways.push({ ...v, gateway: await startWranglerDev({ vars: v.vars, config: v.config }), results: [] });
  }
  for (const g of gateways) await load(g.gateway.url, g.gateway.adminToken, 3); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const g of gateways) {
      const before = groupCpuSeconds(g.gateway.pid);
      const result = await load(g.gateway.url, g.gateway.adminToken, SECONDS);
      const after = groupCpuSeconds(g.gateway.pid);
      const ok = result["2xx"];
      const perRequest = (key) => ((after[key] - before[key]) * 1000) / ok;
      g.results.push({ rps: ok / SECONDS, workerdMs: perRequest("workerd"), totalMs: perRequest("workerd") + perRequest("other"), p99: result.latency.p99, errors: result.non2xx + result.errors });
      console.error(`round ${round + 1} ${g.name}: ${(ok / SECONDS).toFixed(0)} req/s, workerd ${perRequest("workerd").toFixed(3)} ms CPU/req, all ${(perRequest("workerd") + perRequest("other")).toFixed(3)}, p99 ${result.latency.p99} ms`);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ref = gateways[0];
  const refRps = mean(ref.results.map((r) => r.rps));
  const refWorkerd = mean(ref.results.map((r) => r.workerdMs));
  const refTotal = mean(ref.results.map((r) => r.totalMs));
  console.log(`| variant | req/s | ratio | workerd CPU ms/req | ratio | all CPU ms/req (with wrangler) | ratio | p99 ms | non-2xx |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const g of gateways) {
    const rps = mean(g.results.map((r) => r.rps));
    const workerd = mean(g.results.map((r) => r.workerdMs));
    const total = mean(g.results.map((r) => r.totalMs));
    const p99 = mean(g.results.map((r) => r.p99));
    const errors = g.results.reduce((a, r) => a + r.errors, 0);
    console.log(`| ${g.name} | ${rps.toFixed(0)} | ${(rps / refRps).toFixed(3)} | ${workerd.toFixed(3)} | ${(workerd / refWorkerd).toFixed(3)} | ${total.toFixed(3)} | ${(total / refTotal).toFixed(3)} | ${p99.toFixed(0)} | ${errors} |`);
  }
} finally {
  await Promise.all(gateways.map((g) => g.gateway.stop()));
}
