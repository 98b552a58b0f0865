// Rate-limit benchmark: admitted vs limit under 50 concurrent connections (must be exact), and the
// latency the limiter adds to POST /task versus the same route with limits disabled — in one run.
// Starts its own gateways on 127.0.0.1, is bounded in requests and time, and stops by itself.
// Usage: `node bench/ratelimit.mjs` (or through `npm run bench`, which calls run()).
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { startWranglerDev } from "../scripts/wrangler-dev.mjs";

const RESULTS = fileURLToPath(new URL("./results/ratelimit.json", import.meta.url));
const CONNECTIONS = 50;
/** Exactness: a token limited to LIMIT/h gets 3 × LIMIT requests. */
const LIMIT = 200;
/** Latency per configuration: sequential requests (one connection, no queueing) and loaded requests, each in rounds. */
const SEQUENTIAL = 300;
const ROUNDS = 10;
const LOADED = 1200;
const LOADED_ROUNDS = 2;
const WARMUP = 50;
/** The whole run stops after this, whatever happens. */
const DEADLINE_MS = 8 * 60_000;

/** Limits that never refuse during the latency runs, with the bucket over the whole hour. */
const ROOMY = {
  RATE_LIMIT_BURST_PERIOD_SECONDS: "3600",
  RATE_LIMIT_GLOBAL_HOUR: "10000000",
  RATE_LIMIT_GLOBAL_DAY: "100000000",
  RATE_LIMIT_ENDPOINTS: "task=10000000,notify=10000000,research=10000000",
};
const TASK_BODY = JSON.stringify({ action: "add_task", task: "benchmark task for the rate limiter" });

async function createToken(gateway, rateLimit) {
  const res = await fetch(`${gateway.url}/webhooks/v2/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${gateway.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: `bench-ratelimit-${rateLimit}`, endpoints: ["task"], rateLimit }),
  });
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()).data.key;
}

const taskRequest = (gateway, key, extra = {}) =>
  fetch(`${gateway.url}/webhooks/v2/task`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...extra },
    body: TASK_BODY,
  });

/** 3 × LIMIT POST /task with `key` over CONNECTIONS concurrent loops; counts statuses and checks exactly LIMIT were admitted. */
async function admittedOf(gateway, key) {
  const counts = {};
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (sent < 3 * LIMIT) {
        sent++;
        const res = await taskRequest(gateway, key);
        await res.arrayBuffer();
        counts[res.status] = (counts[res.status] ?? 0) + 1;
      }
    }),
  );
  const admitted = counts[201] ?? 0;
  return { limit: LIMIT, sent: 3 * LIMIT, connections: CONNECTIONS, admitted, refused: counts[429] ?? 0, other: 3 * LIMIT - admitted - (counts[429] ?? 0), exact: admitted === LIMIT, ms: Math.round(performance.now() - started) };
}

/** The token level: a token limited to LIMIT per hour. */
async function exactness(gateway) {
  return admittedOf(gateway, await createToken(gateway, LIMIT));
}

/**
 * The sharded global level: a gateway whose global quota is LIMIT per hour split over GLOBAL_SHARDS
 * LimitCounter objects, fed admin requests (no token level). Exact when exactly LIMIT are admitted:
 * each shard is exact for its share, a full shard spills to the others, and a request is refused
 * only when every shard refused.
 */
const GLOBAL_SHARDS = 16;
async function globalExactness(gateways) {
  const gateway = await startWranglerDev({
    vars: { ...ROOMY, RATE_LIMIT_GLOBAL_HOUR: String(LIMIT), RATE_LIMIT_GLOBAL_DAY: "0", RATE_LIMIT_GLOBAL_SHARDS: String(GLOBAL_SHARDS) },
  });
  gateways.push(gateway);
  return { shards: GLOBAL_SHARDS, ...(await admittedOf(gateway, gateway.adminToken)) };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (ms) => Math.round(ms * 100) / 100;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** One configuration under test: its gateway, a roomy token, and whether requests carry a fresh key. */
async function subject(label, vars, idempotent) {
  const gateway = await startWranglerDev({ vars });
  const key = await createToken(gateway, 10_000_000);
  let n = 0;
  const headers = () => (idempotent ? { "Idempotency-Key": `bench-${label.length}-${Date.now()}-${n++}` } : {});
  return { label, gateway, key, headers, times: [], loadedRounds: [] };
}

/** `count` requests one after another on one connection: the limiter's own cost without queueing. */
async function sequentialBatch(s, count, record) {
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const res = await taskRequest(s.gateway, s.key, s.headers());
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`${s.label}: unexpected ${res.status} during the latency run`);
    if (record) s.times.push(performance.now() - t);
  }
}

/** `amount` requests over CONNECTIONS connections with autocannon: throughput and latency under load. */
async function loadedBatch(s, amount) {
  const result = await autocannon({
    url: `${s.gateway.url}/webhooks/v2/task`,
    connections: CONNECTIONS,
    amount,
    timeout: 30,
    requests: [
      {
        method: "POST",
        headers: { Authorization: `Bearer ${s.key}`, "Content-Type": "application/json" },
        body: TASK_BODY,
        setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...s.headers() } }),
      },
    ],
  });
  s.loadedRounds.push({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx });
}

/** The summary of one configuration. */
function summarize(s) {
  const sorted = s.times.slice().sort((a, b) => a - b);
  const r = s.loadedRounds;
  return {
    label: s.label,
    sequential: { samples: sorted.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), mean: round(mean(sorted)) },
    loaded: { rounds: r.length, rps: Math.round(mean(r.map((x) => x.rps))), p50: round(mean(r.map((x) => x.p50))), p99: round(mean(r.map((x) => x.p99))), errors: r.reduce((n, x) => n + x.errors, 0) },
  };
}

/**
 * Measures every configuration in interleaved rounds, rotating their order, so that whatever else
 * the machine is doing hits them alike; each has its own fresh gateway, so their tables grow alike.
 */
async function latency(subjects) {
  for (const s of subjects) await sequentialBatch(s, WARMUP, false);
  for (let r = 0; r < ROUNDS; r++) {
    const order = subjects.map((_, i) => subjects[(i + r) % subjects.length]);
    for (const s of order) await sequentialBatch(s, SEQUENTIAL / ROUNDS, true);
  }
  for (let r = 0; r < LOADED_ROUNDS; r++) {
    const order = subjects.map((_, i) => subjects[(i + r) % subjects.length]);
    for (const s of order) await loadedBatch(s, LOADED / LOADED_ROUNDS);
  }
  return subjects.map(summarize);
}

/** Runs the benchmark, prints a table, writes bench/results/ratelimit.json and returns the results. */
export async function run() {
  const gateways = [];
  const watchdog = setTimeout(() => {
    console.error("bench/ratelimit: deadline reached, stopping");
    for (const g of gateways) void g.kill();
    process.exit(1);
  }, DEADLINE_MS);
  watchdog.unref();
  try {
    const subjects = [];
    for (const [label, vars, idempotent] of [
      ["limits off", { ...ROOMY, RATE_LIMITS_ENABLED: "false" }, false],
      ["limits on", ROOMY, false],
      ["limits on + Idempotency-Key", ROOMY, true],
    ]) {
      const s = await subject(label, vars, idempotent);
      gateways.push(s.gateway);
      subjects.push(s);
    }
    const [off, on, onKeyed] = await latency(subjects);
    const exact = await exactness(subjects[1].gateway);
    const globalExact = await globalExactness(gateways);

    const runs = [off, on, onKeyed];
    console.log(`\nsharded global exactness: ${globalExact.admitted} admitted of ${globalExact.sent} (limit ${globalExact.limit} over ${globalExact.shards} shards, ${globalExact.connections} connections) → ${globalExact.exact ? "EXACT" : "NOT EXACT"}; ${globalExact.refused} refused, ${globalExact.other} other`);
    console.log(`rate-limit exactness: ${exact.admitted} admitted of ${exact.sent} (limit ${exact.limit}, ${exact.connections} connections) → ${exact.exact ? "EXACT" : "NOT EXACT"}; ${exact.refused} refused, ${exact.other} other`);
    console.table(
      runs.map((r) => ({
        "POST /task": r.label,
        "seq p50 ms": r.sequential.p50,
        "seq p95 ms": r.sequential.p95,
        "seq p99 ms": r.sequential.p99,
        [`${CONNECTIONS} conn req/s`]: r.loaded.rps,
        [`${CONNECTIONS} conn p50 ms`]: r.loaded.p50,
        [`${CONNECTIONS} conn p99 ms`]: r.loaded.p99,
        errors: r.loaded.errors,
      })),
    );
    const added = {
      sequentialP50Ms: round(on.sequential.p50 - off.sequential.p50),
      sequentialP95Ms: round(on.sequential.p95 - off.sequential.p95),
      loadedP50Ms: round(on.loaded.p50 - off.loaded.p50),
      loadedP99Ms: round(on.loaded.p99 - off.loaded.p99),
      withIdempotencyKeySequentialP50Ms: round(onKeyed.sequential.p50 - off.sequential.p50),
    };
    console.log("added latency of the limiter (limits on − off):", added);
    const results = { benchmark: "ratelimit", at: new Date().toISOString(), exactness: exact, globalExactness: globalExact, runs, added, settings: { connections: CONNECTIONS, sequential: SEQUENTIAL, rounds: ROUNDS, loaded: LOADED, loadedRounds: LOADED_ROUNDS, warmup: WARMUP } };
    mkdirSync(fileURLToPath(new URL("./results/", import.meta.url)), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    return results;
  } finally {
    clearTimeout(watchdog);
    for (const g of gateways) await g.stop();
  }
}

/** `node bench/ratelimit.mjs --exactness`: only the two exactness checks (token level, sharded global level), on their own gateways. */
async function exactnessOnly() {
  const gateways = [];
  try {
    const gateway = await startWranglerDev({ vars: ROOMY });
    gateways.push(gateway);
    const exact = await exactness(gateway);
    const globalExact = await globalExactness(gateways);
    console.log(JSON.stringify({ exactness: exact, globalExactness: globalExact }));
    return { exactness: exact, globalExactness: globalExact };
  } finally {
    for (const g of gateways) await g.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  (process.argv.includes("--exactness") ? exactnessOnly() : run()).then(
    (r) => process.exit(r.exactness.exact && r.globalExactness.exact ? 0 : 1),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
