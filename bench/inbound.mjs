// Inbound throughput: POST /webhooks/v2/task on the gateway against the bare Hono baseline, both
// under `wrangler dev`, same load (autocannon, 50 connections on 127.0.0.1), in alternating rounds.
import { runLoad } from "./lib/load.mjs";
import { createToken, startBaseline, startGateway } from "./lib/servers.mjs";
import { ratio, summarize } from "./lib/stats.mjs";

export const description = "POST /task throughput and p50/p99 latency vs a bare Hono Worker; target ≥ 0.6×";
export const timeoutMs = 360_000;

const PATH = "/webhooks/v2/task";
const BODY = JSON.stringify({ action: "add_task", task: "benchmark task number one", priority: "medium" });
/**
 * Rate limits off so the figure is the pipeline (auth, guard, validation, D1 publish), not a 429
 * wall (bench/ratelimit measures the limiter). Request logs off because under `wrangler dev` every
 * console line is forwarded to wrangler's Node process, which sits in the measured process group
 * (about +1.6 ms CPU a request here); the baseline logs nothing either.
 */
const GATEWAY_VARS = { RATE_LIMITS_ENABLED: "false", LOG_REQUESTS: "false" };
const TARGET_RATIO = 0.6;

/** One request that must succeed before load is applied, so a broken route fails loudly, not as a fast 4xx stream. */
async function probe(url, headers) {
  const res = await fetch(url, { method: "POST", headers, body: BODY });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) throw new Error(`probe ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, body: JSON.parse(text) };
}

function row(target, load) {
  return {
    target,
    okPerSec: load.okPerSec,
    reqPerSec: load.reqPerSec,
    p50: load.latencyMs.p50,
    p90: load.latencyMs.p90,
    p99: load.latencyMs.p99,
    max: load.latencyMs.max,
    cpuMsPerReq: load.cpuMsPerRequest,
    requests: load.requests,
    non2xx: load.non2xx,
    errors: load.errors,
  };
}

/**
 * Where the gateway's time goes, each measured once after the rounds (`--breakdown`): the same
 * POST stopped by auth (no credentials) and by schema validation (before any D1 access).
 */
const BREAKDOWN = [
  { target: "gateway 401 (no credentials)", expect: 401, headers: { "Content-Type": "application/json" }, body: BODY },
  { target: "gateway 400 (schema, no D1)", expect: 400, body: JSON.stringify({ action: "add_task", task: "too short" }) },
];

/** Options: connections (50), duration (10 s), warmup (2 s), rounds (2), breakdown, signal, log. */
export async function run(options = {}) {
  const connections = options.connections ?? 50;
  const duration = options.duration ?? 10;
  const warmup = options.warmup ?? 2;
  const rounds = options.rounds ?? 2;
  const log = options.log ?? (() => {});

  log("starting baseline and gateway (wrangler dev)");
  const baseline = await startBaseline();
  const gateway = await startGateway(GATEWAY_VARS);
  const token = await createToken(gateway, ["task"]);
  const headers = { "Content-Type": "application/json", Authorization: `Bearer ${token.key}` };
  const targets = {
    gateway: { url: `${gateway.url}${PATH}`, pid: gateway.pid, samples: [], runs: [] },
    baseline: { url: `${baseline.url}${PATH}`, pid: baseline.pid, samples: [], runs: [] },
    // The same bare Worker doing the gateway's durable write (two rows, one D1 batch): the floor
    // for any gateway that stores what it accepts, so the second ratio shows the pipeline alone.
    baselineDurable: { url: `${baseline.url}${PATH}-durable`, pid: baseline.pid, samples: [], runs: [] },
  };
  const probed = await probe(targets.gateway.url, headers);
  await probe(targets.baseline.url, headers);
  await probe(targets.baselineDurable.url, headers);

  const rows = [];
  const roundRatios = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order so neither side always runs on a warmer (or busier) machine.
    const order = round % 2 === 1 ? ["baseline", "baselineDurable", "gateway"] : ["gateway", "baselineDurable", "baseline"];
    for (const name of order) {
      const target = targets[name];
      log(`round ${round}: ${name} ${connections} connections, ${warmup} s warm-up + ${duration} s`);
      const load = await runLoad({ url: target.url, method: "POST", headers, body: BODY, connections, duration, warmup, signal: options.signal, samples: target.samples, cpuPid: target.pid });
      target.runs.push(load);
      rows.push(row(`${name} #${round}`, load));
    }
    roundRatios.push(ratio(targets.gateway.runs.at(-1).okPerSec, targets.baseline.runs.at(-1).okPerSec));
  }
  if (options.breakdown) {
    for (const step of BREAKDOWN) {
      log(`breakdown: ${step.target}`);
      const load = await runLoad({ url: targets.gateway.url, method: "POST", headers: step.headers ?? headers, body: step.body, expect: step.expect, connections, duration, warmup, signal: options.signal, cpuPid: gateway.pid });
      rows.push(row(step.target, load));
    }
  }

  const pooled = (name) => {
    const runs = targets[name].runs;
    const seconds = runs.reduce((a, r) => a + r.durationSec, 0);
    const latencyMs = summarize(targets[name].samples);
    const requests = runs.reduce((a, r) => a + r.requests, 0);
    const cpuMs = runs.every((r) => r.cpuMs !== null) ? runs.reduce((a, r) => a + r.cpuMs, 0) : null;
    return {
      okPerSec: Math.round((latencyMs.count / seconds) * 10) / 10,
      reqPerSec: Math.round((requests / seconds) * 10) / 10,
      latencyMs,
      requests,
      cpuMsPerRequest: cpuMs === null || requests === 0 ? null : Math.round((cpuMs / requests) * 1000) / 1000,
      non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
      errors: runs.reduce((a, r) => a + r.errors, 0),
      statusCodes: runs.reduce((acc, r) => {
        for (const [code, n] of Object.entries(r.statusCodes)) acc[code] = (acc[code] ?? 0) + n;
        return acc;
      }, {}),
    };
  };
  const g = pooled("gateway");
  const b = pooled("baseline");
  const d = pooled("baselineDurable");
  rows.push(row("gateway (all rounds)", g), row("baseline (all rounds)", b), row("baselineDurable (all rounds)", d));
  const durableRatio = ratio(g.okPerSec, d.okPerSec);
  const throughputRatio = ratio(g.okPerSec, b.okPerSec);
  // Server CPU per request (wrangler + workerd process group), baseline ÷ gateway: the throughput
  // ratio a CPU-bound machine would show, far less sensitive to other load than req/s.
  const cpuRatio = g.cpuMsPerRequest && b.cpuMsPerRequest ? ratio(b.cpuMsPerRequest, g.cpuMsPerRequest) : null;

  return {
    rows,
    route: `POST ${PATH}`,
    connections,
    durationSec: duration,
    warmupSec: warmup,
    rounds,
    gatewayVars: Object.entries(GATEWAY_VARS).map(([k, v]) => `${k}=${v}`).join(","),
    gatewayOkPerSec: g.okPerSec,
    baselineOkPerSec: b.okPerSec,
    ratio: throughputRatio,
    roundRatios: roundRatios.join(" "),
    cpuRatio,
    gatewayCpuMsPerReq: g.cpuMsPerRequest,
    baselineCpuMsPerReq: b.cpuMsPerRequest,
    target: TARGET_RATIO,
    meetsTarget: throughputRatio !== null && throughputRatio >= TARGET_RATIO,
    baselineDurableOkPerSec: d.okPerSec,
    durableRatio,
    gatewayP50Ms: g.latencyMs.p50,
    gatewayP99Ms: g.latencyMs.p99,
    baselineP50Ms: b.latencyMs.p50,
    baselineP99Ms: b.latencyMs.p99,
    gatewayNon2xx: g.non2xx,
    baselineNon2xx: b.non2xx,
    probeStatus: probed.status,
    details: { gateway: g, baseline: b, baselineDurable: d, gatewayResponseSample: probed.body },
    headline: { gatewayOkPerSec: g.okPerSec, baselineOkPerSec: b.okPerSec, baselineDurableOkPerSec: d.okPerSec, ratio: throughputRatio, durableRatio, cpuRatio, gatewayP50Ms: g.latencyMs.p50, gatewayP99Ms: g.latencyMs.p99, baselineP50Ms: b.latencyMs.p50, baselineP99Ms: b.latencyMs.p99 },
  };
}
