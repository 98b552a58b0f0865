// bench/delivery: the gateway's delivery engine (queue → claim → guard → sign → POST → record) against a
// bare queue Worker that only fetches (bench/baseline-queue), same queue settings, one after the other.
//  - drain: EVENTS deliveries made due at once (gateway: events published to a paused subscription, then
//    resume; baseline: one sendBatch burst); deliveries/s from release to last arrival, and their ratio
//    (target ≥ 0.7).
//  - stream: EVENTS events published by CONCURRENCY clients; p50/p99 publish-to-receive latency (gateway
//    target: p50 ≤ 150 ms, p99 ≤ 600 ms; its first attempt leaves from the publishing request).
// BENCH_DELIVERY_VARS='{"DELIVERY_FAST_PATH_LIMIT":"0"}' passes vars to the gateway (e.g. queue only).
// Bounded: BENCH_DELIVERY_EVENTS (default 1000) per phase and side, 180 s per phase. 127.0.0.1 only.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { startWranglerDev } from "../scripts/wrangler-dev.mjs";
import { groupCpuMs } from "./lib/procs.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EVENTS = Number(process.env.BENCH_DELIVERY_EVENTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_DELIVERY_CONCURRENCY ?? 16);
const SIDE_TIMEOUT_MS = 180_000;
// No JSON request log line (as bench/inbound): printing it through wrangler dev cost ~11 ms of CPU per
// published event here, more than the whole delivery; the result records the vars.
const GATEWAY_VARS = { LOG_REQUESTS: "false", ...JSON.parse(process.env.BENCH_DELIVERY_VARS ?? "{}") };
// BENCH_DELIVERY_PHASES=drain runs only that phase on both sides (e.g. to compare queue settings).
const PHASES = (process.env.BENCH_DELIVERY_PHASES ?? "drain,stream").split(",");
const DRAIN_TARGET = 0.7;
const LATENCY_TARGET = { p50: 150, p99: 600 };

/** A receiver that records the first arrival time of each id (webhook-id or X-Bench-ID). */
async function startReceiver() {
  const arrivals = new Map();
  let waiter = null;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = req.headers["webhook-id"] ?? req.headers["x-bench-id"];
      if (id && !arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(200).end("ok");
      if (waiter && arrivals.size >= waiter.count) waiter.resolve();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    arrivals,
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

/** Publishes EVENTS items with CONCURRENCY workers; `send(i)` returns the id it published. */
async function drive(send) {
  const sentAt = new Map();
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
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
    const drainReceiver = await startReceiver();
    const held = await api("/subscriptions", { url: drainReceiver.url, events: ["bench.drain"], active: false });
    const ids = PHASES.includes("drain") ? (await drive(async (i) => (await api("/events", { type: "bench.drain", data: { i } })).id)).sentAt : new Map();
    const drained = await drain(drainReceiver, [...ids.keys()], () => api(`/subscriptions/${held.id}/resume`, {}));
    await drainReceiver.close();
    if (!PHASES.includes("stream")) return { drain: drained, stream: EMPTY };

    const streamReceiver = await startReceiver();
    await api("/subscriptions", { url: streamReceiver.url, events: ["bench.stream"] });
    const streamed = await stream(streamReceiver, async (i) => (await api("/events", { type: "bench.stream", data: { i } })).id, gateway.pid);
    await streamReceiver.close();
    return { drain: drained, stream: streamed };
  } finally {
    await gateway.stop();
  }
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
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/delivery.json`, `${JSON.stringify(result, null, 2)}\n`);
  return result;
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
