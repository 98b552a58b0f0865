// bench/delivery: the gateway's delivery engine (queue → claim → guard → sign → POST → record) against a
// bare queue Worker that only fetches (bench/baseline-queue), same queue settings, one after the other.
//  - drain: EVENTS deliveries made due at once (gateway: events published to a paused subscription, then
//    resume; baseline: one sendBatch burst); deliveries/s from release to last arrival, and their ratio
//    (target ≥ 0.7).
//  - stream: EVENTS events published by CONCURRENCY clients; p50/p99 publish-to-receive latency (gateway
//    target: p50 ≤ 150 ms, p99 ≤ 600 ms; its first attempt leaves from the publishing request).
// BENCH_DELIVERY_VARS='{"DELIVERY_FAST_PATH_LIMIT":"0"}' passes vars to the gateway (e.g. queue only).
// Bounded: BENCH_DELIVERY_EVENTS (default 1000) per phase and side, 180 s per phase. 127.0.0.1 only.
//  - modes (gateway only, drained like `drain`): batch (maxEvents 50) events/s against each-mode drain,
//    and FIFO throughput with 1, 10 and 100 ordering keys (order per key checked on arrival).
// BENCH_DELIVERY_MODES_EVENTS (default 500) events per modes phase.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { startWranglerDev } from "../scripts/wrangler-dev.mjs";
import { startProfile } from "./lib/cpu-profile.mjs";
import { groupCpuMs } from "./lib/procs.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EVENTS = Number(process.env.BENCH_DELIVERY_EVENTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_DELIVERY_CONCURRENCY ?? 16);
const MODES_EVENTS = Number(process.env.BENCH_DELIVERY_MODES_EVENTS ?? 500);
const SIDE_TIMEOUT_MS = 180_000;
// No JSON request log line (as bench/inbound): printing it through wrangler dev cost ~11 ms of CPU per
// published event here, more than the whole delivery. Rate limits off (as bench/inbound): a few thousand
// publishes in a minute pass the global level's burst (2500 at the defaults) and the bench measures
// deliveries, not 429s. The result records the vars.
const GATEWAY_VARS = { LOG_REQUESTS: "false", RATE_LIMITS_ENABLED: "false", ...JSON.parse(process.env.BENCH_DELIVERY_VARS ?? "{}") };
// BENCH_DELIVERY_PHASES=drain runs only that phase on both sides (e.g. to compare queue settings);
// "modes" (the gateway's modes rows) runs after the stream phase.
const PHASES = (process.env.BENCH_DELIVERY_PHASES ?? "drain,stream,modes").split(",");
const DRAIN_TARGET = 0.7;
const LATENCY_TARGET = { p50: 150, p99: 600 };
/** BENCH_DELIVERY_ONLY=modes runs only the gateway's modes rows (no baseline, drain or stream). */
const ONLY_MODES = process.env.BENCH_DELIVERY_ONLY === "modes";
/** BENCH_DELIVERY_PROFILE=1: a CPU profile of the gateway's isolate during its drain, summarised in the result. */
const PROFILE = process.env.BENCH_DELIVERY_PROFILE === "1";
/** The runner's deadline: two sides plus five modes phases. */
export const timeoutMs = 1_200_000;

/**
 * A receiver that records the first arrival time of each id (webhook-id or X-Bench-ID; every event
 * of a batch body), and counts FIFO order violations (an event of key data.k arriving after a later-published one: ids sort in publish order).
 */
async function startReceiver() {
  const arrivals = new Map();
  const lastPerKey = new Map();
  const stats = { requests: 0, orderViolations: 0 };
  let waiter = null;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      stats.requests++;
      const id = req.headers["webhook-id"] ?? req.headers["x-bench-id"];
      let body = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {}
      const ids = body?.type === "batch" ? body.events.map((e) => e.id) : id ? [id] : [];
      for (const one of ids) if (!arrivals.has(one)) arrivals.set(one, at);
      const k = body?.data?.k;
      if (k !== undefined) {
        const last = lastPerKey.get(k) ?? "";
        if (last > body.id) stats.orderViolations++;
        else lastPerKey.set(k, body.id);
      }
      res.writeHead(200).end("ok");
      if (waiter && arrivals.size >= waiter.count) waiter.resolve();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    arrivals,
    stats,
    waitFor(count, timeoutMs) {
      if (arrivals.size >= count) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiter = { count, resolve: () => (clearTimeout(timer), resolve(true)) };
      });
    },
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

/** A phase that did not run. */
const EMPTY = { delivered: 0, published: 0, seconds: 0, deliveriesPerSecond: 0, latencyMs: { p50: 0, p99: 0 } };

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Publishes `count` (default EVENTS) items with CONCURRENCY workers; `send(i)` returns the id it published. */
async function drive(send, count = EVENTS) {
  const sentAt = new Map();
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        try {
          sentAt.set(await send(i, t), t);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { sentAt, started, publishMs: performance.now() - started, errors };
}

function summarise(receiver, sentAt, started, extra) {
  const latencies = [];
  let last = started;
  for (const [id, at] of receiver.arrivals) {
    const sent = sentAt.get(id);
    if (sent === undefined) continue;
    latencies.push(at - sent);
    last = Math.max(last, at);
  }
  latencies.sort((a, b) => a - b);
  const seconds = (last - started) / 1000;
  return {
    delivered: latencies.length,
    seconds: Number(seconds.toFixed(2)),
    deliveriesPerSecond: Number((latencies.length / seconds).toFixed(1)),
    latencyMs: { p50: Math.round(percentile(latencies, 50) ?? 0), p99: Math.round(percentile(latencies, 99) ?? 0) },
    ...extra,
  };
}

/**
 * Stream phase: publish with CONCURRENCY clients, wait for every arrival. `pid` is the server's
 * process group: its CPU per delivered event depends far less on the machine's other load than latency.
 */
async function stream(receiver, send, pid) {
  const cpuBefore = groupCpuMs(pid);
  const { sentAt, started, publishMs, errors } = await drive(send);
  const complete = await receiver.waitFor(sentAt.size, SIDE_TIMEOUT_MS);
  const cpuMs = cpuBefore === null ? null : groupCpuMs(pid) - cpuBefore;
  return summarise(receiver, sentAt, started, {
    published: sentAt.size,
    publishErrors: errors,
    complete,
    publishPerSecond: Number((sentAt.size / (publishMs / 1000)).toFixed(1)),
    cpuMsPerEvent: cpuMs === null ? null : Number((cpuMs / Math.max(1, sentAt.size)).toFixed(2)),
  });
}

/** Drain phase: `release()` makes `ids` due at once; measures from the release to the last arrival. */
async function drain(receiver, ids, release) {
  const started = performance.now();
  await release();
  const complete = await receiver.waitFor(ids.length, SIDE_TIMEOUT_MS);
  return summarise(receiver, new Map(ids.map((id) => [id, started])), started, { published: ids.length, complete });
}

async function gatewaySide() {
  const gateway = await startWranglerDev({ logLevel: "error", vars: GATEWAY_VARS });
  const headers = { Authorization: `Bearer ${gateway.adminToken}`, "Content-Type": "application/json" };
  const api = async (path, body) => {
    const res = await fetch(`${gateway.url}/webhooks/v2${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json.data;
  };
  try {
    if (ONLY_MODES) return { modes: await modesPhases(api) };
    const drainReceiver = await startReceiver();
    const held = await api("/subscriptions", { url: drainReceiver.url, events: ["bench.drain"], active: false });
    const ids = PHASES.includes("drain") ? (await drive(async (i) => (await api("/events", { type: "bench.drain", data: { i } })).id)).sentAt : new Map();
    const profiler = PROFILE ? await startProfile({ inspectorPort: gateway.inspectorPort }) : null;
    const drained = await drain(drainReceiver, [...ids.keys()], () => api(`/subscriptions/${held.id}/resume`, {}));
    if (profiler) drained.profile = await profiler.stop();
    await drainReceiver.close();
    if (!PHASES.includes("stream")) return { drain: drained, stream: EMPTY };

    const streamReceiver = await startReceiver();
    await api("/subscriptions", { url: streamReceiver.url, events: ["bench.stream"] });
    const streamed = await stream(streamReceiver, async (i) => (await api("/events", { type: "bench.stream", data: { i } })).id, gateway.pid);
    await streamReceiver.close();
    return { drain: drained, stream: streamed, ...(PHASES.includes("modes") ? { modes: await modesPhases(api) } : {}) };
  } finally {
    await gateway.stop();
  }
}

/** Drains MODES_EVENTS events held by a paused subscription with `settings`; `data(i)` is each event's data. */
async function drainMode(api, name, settings, data) {
  const receiver = await startReceiver();
  const type = `bench.${name}`;
  const held = await api("/subscriptions", { url: receiver.url, events: [type], active: false, ...settings });
  const ids = (await drive(async (i) => (await api("/events", { type, data: data(i) })).id, MODES_EVENTS)).sentAt;
  const result = await drain(receiver, [...ids.keys()], () => api(`/subscriptions/${held.id}/resume`, {}));
  await receiver.close();
  return { ...result, requests: receiver.stats.requests, orderViolations: receiver.stats.orderViolations };
}

/** Delivery modes on one gateway: each-mode and batch (maxEvents 50), then FIFO with 1, 10, 100 keys. */
async function modesPhases(api) {
  const each = await drainMode(api, "each", {}, (i) => ({ i }));
  const batch = await drainMode(api, "batch", { batch: { maxEvents: 50, maxWaitMs: 1000 } }, (i) => ({ i }));
  const fifo = {};
  for (const keys of [1, 10, 100]) fifo[keys] = await drainMode(api, `fifo${keys}`, { ordering: { mode: "fifo", key: "data.k" } }, (i) => ({ k: `k${i % keys}` }));
  return { each, batch, fifo, batchRatio: Number((batch.deliveriesPerSecond / each.deliveriesPerSecond).toFixed(2)) };
}

async function baselineSide() {
  const baseline = await startWranglerDev({ config: `${ROOT}bench/baseline-queue/wrangler.toml`, schema: false, logLevel: "error" });
  const post = async (path, body) => {
    const res = await fetch(`${baseline.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`${path}: ${res.status}`);
  };
  try {
    const drainReceiver = await startReceiver();
    const ids = PHASES.includes("drain") ? Array.from({ length: EVENTS }, (_, i) => `drain-${i}`) : [];
    const drained = await drain(drainReceiver, ids, () => post("/publish-batch", { count: ids.length, url: drainReceiver.url, prefix: "drain-" }));
    await drainReceiver.close();
    if (!PHASES.includes("stream")) return { drain: drained, stream: EMPTY };

    const streamReceiver = await startReceiver();
    const streamed = await stream(streamReceiver, async (i) => {
      await post("/publish", { id: `stream-${i}`, url: streamReceiver.url, data: { i } });
      return `stream-${i}`;
    }, baseline.pid);
    await streamReceiver.close();
    return { drain: drained, stream: streamed };
  } finally {
    await baseline.stop();
  }
}

/** Runs both sides one after the other (never at once: they would share the CPU) and reports. */
export async function run() {
  if (ONLY_MODES) return reportModes({ bench: "delivery-modes", at: new Date().toISOString(), gateway: await gatewaySide() });
  const baseline = await baselineSide();
  const gateway = await gatewaySide();
  const ratio = Number((gateway.drain.deliveriesPerSecond / baseline.drain.deliveriesPerSecond).toFixed(2));
  const latency = gateway.stream.latencyMs;
  const meetsLatency = latency.p50 <= LATENCY_TARGET.p50 && latency.p99 <= LATENCY_TARGET.p99;
  const result = {
    bench: "delivery",
    at: new Date().toISOString(),
    events: EVENTS,
    concurrency: CONCURRENCY,
    gatewayVars: GATEWAY_VARS,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    gateway,
    baseline,
    ratio,
    target: DRAIN_TARGET,
    latencyTarget: LATENCY_TARGET,
    meetsTarget: ratio >= DRAIN_TARGET && meetsLatency,
  };
  console.log(`\ndelivery bench: ${EVENTS} deliveries per phase, ${CONCURRENCY} concurrent publishers in the stream phase, 127.0.0.1 receiver, load ${result.loadavg.join(" ")}`);
  const row = (side, phase, s) => ({
    side,
    phase,
    delivered: `${s.delivered}/${s.published}`,
    "deliveries/s": s.deliveriesPerSecond,
    "p50 ms": s.latencyMs.p50,
    "p99 ms": s.latencyMs.p99,
    seconds: s.seconds,
    "cpu ms/event": s.cpuMsPerEvent ?? "",
  });
  console.table([row("gateway", "drain", gateway.drain), row("baseline", "drain", baseline.drain), row("gateway", "stream", gateway.stream), row("baseline", "stream", baseline.stream)]);
  console.log(`drain ratio gateway/baseline deliveries/s: ${ratio} (target ≥ ${DRAIN_TARGET}) ${ratio >= DRAIN_TARGET ? "OK" : "BELOW TARGET"}`);
  console.log(
    `publish-to-receive latency (stream): gateway p50 ${latency.p50} ms, p99 ${latency.p99} ms (target ≤ ${LATENCY_TARGET.p50} / ${LATENCY_TARGET.p99}) ${meetsLatency ? "OK" : "ABOVE TARGET"}; baseline p50 ${baseline.stream.latencyMs.p50} ms, p99 ${baseline.stream.latencyMs.p99} ms`,
  );
  return reportModes(result);
}

/** Prints the modes rows (when run) and writes the result (bench/results/delivery.json, or delivery-modes.json alone). */
function reportModes(result) {
  const m = result.gateway.modes;
  if (m) printModes(m);
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/${result.bench}.json`, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

function printModes(m) {
  const modeRow = (mode, s) => ({ mode, delivered: `${s.delivered}/${s.published}`, "events/s": s.deliveriesPerSecond, requests: s.requests, "order violations": s.orderViolations, seconds: s.seconds });
  console.log(`\ndelivery modes: ${MODES_EVENTS} events drained per mode (gateway)`);
  console.table([modeRow("each", m.each), modeRow("batch 50", m.batch), ...Object.entries(m.fifo).map(([keys, s]) => modeRow(`fifo ${keys} key(s)`, s))]);
  console.log(`batch (maxEvents 50) / each-mode events/s: ${m.batchRatio}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
