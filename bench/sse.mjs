// bench/sse: N concurrent SSE clients (100, 500, 1000) on GET /events of a dedicated gateway; bursts of
// published events; publish-to-all latency p50/p99 and the memory of the workerd process tree.
// `node bench/sse.mjs` runs it standalone (prints the table, writes bench/results/sse.json);
// bench/run.mjs calls run(options). Everything targets 127.0.0.1, is bounded and stops by itself.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { request, Agent } from "node:http";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { startWranglerDev } from "../scripts/wrangler-dev.mjs";
import { startProfile } from "./lib/cpu-profile.mjs";
import { listeningPorts } from "./lib/procs.mjs";

export const description = "SSE fan-out: publish-to-all latency and workerd memory at N = 100, 500, 1000 open streams";
export const timeoutMs = 540_000;

const CLIENT_COUNTS = (process.env.SSE_BENCH_CLIENTS ?? "100,500,1000").split(",").map(Number).filter((n) => n > 0);
const BURSTS = 3;
const EVENTS_PER_BURST = 20;
const OPEN_BATCH = 50;
/** Publishers sending a burst's events back to back (each sends its next when the previous is answered). */
const PUBLISHERS = Number(process.env.SSE_BENCH_PUBLISHERS ?? 4);
/**
 * The paced rows, `clients@gapMs`: one publisher, that gap between events — fan-out latency without
 * a publishing backlog (150 ms at 1000 clients; 500 ms = 2 events/s at 5000 clients, as issue 18 asks).
 */
const PACED = (process.env.SSE_BENCH_PACED ?? "1000@150,5000@500").split(",").filter(Boolean).map((row) => {
  const [clients, gapMs] = row.split("@").map(Number);
  return { clients, gapMs };
});
const PHASE_TIMEOUT_MS = 60_000;
const HEARTBEAT_MS = 5000;
/** STREAM_LEAF_CAPACITY's default (wrangler.toml). */
const LEAF_CAPACITY = 500;
/** SSE_BENCH_PROFILE=1: a CPU profile of the Worker's isolate during each row's bursts, summarised in the result. */
const PROFILE = process.env.SSE_BENCH_PROFILE === "1";
const TARGET_P99_MS = 200;

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null);
const round = (v) => (v === null ? null : Math.round(v * 10) / 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The workerd processes descended from this process: pid → {rssMb, cpuMs (user+system so far)}, from /proc. */
export function workerdProcesses() {
  const parent = new Map();
  const comm = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      comm.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      parent.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const descends = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 50; p = parent.get(p) ?? 0, hops++) if (p === process.pid) return true;
    return false;
  };
  const found = new Map();
  for (const [pid, name] of comm) {
    if (!name.startsWith("workerd") || !descends(pid)) continue;
    try {
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      found.set(pid, { rssMb: match ? Number(match[1]) / 1024 : 0, cpuMs: ticks * 10 });
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/**
 * The URL of the runtime that runs the Worker itself, bypassing the proxy `wrangler dev` puts in
 * front of it (a second workerd process relaying every byte): the workerd port, other than the
 * public one, that answers the gateway's health route. Null when none is found.
 */
export async function directWorkerUrl(publicUrl) {
  const publicPort = Number(new URL(publicUrl).port);
  for (const pid of workerdProcesses().keys()) {
    for (const port of listeningPorts(pid)) {
      if (port === publicPort) continue;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/webhooks/v2/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200 && (await res.json()).success === true) return `http://127.0.0.1:${port}`;
      } catch {
        /* not the Worker's port */
      }
    }
  }
  return null;
}

/** RSS (MB) of the whole workerd process tree of the gateway. */
export function workerdRssMb() {
  let mb = 0;
  for (const p of workerdProcesses().values()) mb += p.rssMb;
  return Math.round(mb * 10) / 10;
}

/** CPU ms used by each workerd process and by this (client) process since `before`. */
function cpuSince(before) {
  const now = workerdProcesses();
  const out = {};
  for (const [pid, p] of now) out[`workerd${pid}`] = p.cpuMs - (before.workerd.get(pid)?.cpuMs ?? 0);
  out.client = Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000 - before.client);
  return out;
}
const cpuMark = () => ({ workerd: workerdProcesses(), client: (process.cpuUsage().user + process.cpuUsage().system) / 1000 });

/** Opens one SSE client; `onEvent(taskId, receivedAt)` for each task.created frame; resolves when the stream is open (retry frame seen). */
function openClient(url, token, agent, onEvent, signal) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/webhooks/v2/events?filter=task.created`, { agent, headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream refused: ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      let buffer = "";
      let opened = false;
      res.on("data", (chunk) => {
        const receivedAt = performance.now();
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!opened && frame.startsWith("retry:")) {
            opened = true;
            resolve(client);
          }
          const match = /"timestamp":"([^"]+)","data":\{"taskId":"(task-[^"]+)"/.exec(frame);
          if (match) onEvent(match[2], receivedAt, Date.now() - Date.parse(match[1]));
        }
      });
      res.on("error", () => undefined);
      res.on("close", () => {
        client.closed = true;
        if (!opened) reject(new Error("stream closed before it opened"));
      });
    });
    const client = { closed: false, close: () => req.destroy() };
    req.on("error", (error) => (client.closed ? undefined : reject(error)));
    signal?.addEventListener("abort", () => req.destroy(), { once: true });
    req.end();
  });
}

async function postTask(url, token, title) {
  const res = await fetch(`${url}/webhooks/v2/task`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "add_task", task: title }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`publish failed: ${res.status} ${JSON.stringify(body)}`);
  return body.data.id;
}

async function waitFor(check, what, signal) {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  while (!check()) {
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One N: open N clients, publish bursts, collect per-event latency to each and to all clients. */
async function measure(gateway, target, n, { signal, log, gapMs = 0, profiles }) {
  const paced = gapMs > 0;
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const sentAt = new Map();
  const arrivals = new Map(); // taskId → receive times (one per client)
  const sinceStored = []; // ms from the event's own timestamp (server clock, same machine) to arrival
  const publishMs = [];
  const onEvent = (taskId, at, fromTimestamp) => {
    if (!arrivals.has(taskId)) arrivals.set(taskId, []);
    arrivals.get(taskId).push(at);
    sinceStored.push(fromTimestamp);
  };
  const idleRss = workerdRssMb();
  const clients = [];
  const openStarted = performance.now();
  try {
    for (let i = 0; i < n; i += OPEN_BATCH) {
      const batch = Array.from({ length: Math.min(OPEN_BATCH, n - i) }, () => openClient(target.url, gateway.adminToken, agent, onEvent, signal));
      clients.push(...(await Promise.all(batch)));
    }
    const openMs = performance.now() - openStarted;
    await sleep(500);
    const openRss = workerdRssMb();
    log(`${target.name} N=${n}: ${clients.length} streams open in ${Math.round(openMs)} ms, workerd RSS ${openRss} MB`);

    const perDelivery = [];
    const toAll = [];
    let peakRss = openRss;
    const cpuBefore = cpuMark();
    const profiler = PROFILE ? await startProfile({ inspectorPort: gateway.inspectorPort }) : null;
    for (let burst = 0; burst < BURSTS; burst++) {
      const ids = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: paced ? 1 : PUBLISHERS }, async () => {
          while (next < EVENTS_PER_BURST) {
            const k = next++;
            const started = performance.now();
            const id = await postTask(target.url, gateway.adminToken, `bench sse N=${n} burst ${burst} event ${k}`);
            sentAt.set(id, started);
            publishMs.push(performance.now() - started);
            ids.push(id);
            if (paced) await sleep(gapMs);
          }
        }),
      );
      await waitFor(() => ids.every((id) => (arrivals.get(id)?.length ?? 0) >= n), `burst ${burst} to reach ${n} clients`, signal);
      peakRss = Math.max(peakRss, workerdRssMb());
      for (const id of ids) {
        const times = arrivals.get(id).map((t) => t - sentAt.get(id));
        perDelivery.push(...times);
        toAll.push(Math.max(...times));
      }
      await sleep(300);
    }
    const cpu = cpuSince(cpuBefore);
    if (profiler) profiles.push({ row: `${target.name} ${paced ? "paced" : "burst"} N=${n}`, ...(await profiler.stop()) });
    log(`${target.name} N=${n}: CPU ms during bursts ${JSON.stringify(cpu)}`);
    const lost = clients.filter((c) => c.closed).length;
    for (const list of [perDelivery, toAll, publishMs, sinceStored]) list.sort((a, b) => a - b);
    return {
      path: target.name,
      mode: paced ? `paced ${gapMs}ms` : "burst",
      clients: n,
      events: toAll.length,
      deliveries: perDelivery.length,
      openMs: Math.round(openMs),
      deliveryP50Ms: round(percentile(perDelivery, 50)),
      deliveryP99Ms: round(percentile(perDelivery, 99)),
      allP50Ms: round(percentile(toAll, 50)),
      allP99Ms: round(percentile(toAll, 99)),
      allMaxMs: round(toAll.at(-1)),
      publishP50Ms: round(percentile(publishMs, 50)),
      stampToClientP50Ms: round(percentile(sinceStored, 50)),
      workerdIdleMB: idleRss,
      workerdOpenMB: openRss,
      workerdPeakMB: peakRss,
      perStreamKB: Math.round(((openRss - idleRss) * 1024) / n),
      workerdCpuUsPerDelivery: Math.round((Object.entries(cpu).filter(([k]) => k !== "client").reduce((sum, [, ms]) => sum + ms, 0) * 1000) / Math.max(1, perDelivery.length)),
      droppedClients: lost,
    };
  } finally {
    for (const c of clients) c.close();
    agent.destroy();
    // A closed stream is noticed on its next write: wait out one heartbeat so the next row starts clean.
    await sleep(HEARTBEAT_MS + 1000);
  }
}

/** The scenario: a gateway of its own (rate limits off), then each N in turn. */
export async function run(options = {}) {
  const log = options.log ?? ((m) => process.stderr.write(`[sse] ${m}\n`));
  const counts = options.connections ? [options.connections] : CLIENT_COUNTS;
  // A short heartbeat so streams closed at the end of one N are gone before the next starts (not 1 s:
  // 5000 streams would then take 5000 heartbeat writes a second), and as many leaves as the largest row
  // fills at the default capacity, so streams hash over them as the production settings advise.
  const leaves = Math.ceil(Math.max(...counts, ...PACED.map((p) => p.clients)) / LEAF_CAPACITY);
  const gateway = await startWranglerDev({ vars: { RATE_LIMITS_ENABLED: "false", STREAM_HEARTBEAT_MS: String(HEARTBEAT_MS), STREAM_HUB_LEAVES: String(leaves) } });
  try {
    const loadBefore = loadavg()[0];
    const direct = await directWorkerUrl(gateway.url);
    const wanted = (process.env.SSE_BENCH_PATHS ?? "direct,wrangler-dev").split(",");
    const targets = [...(direct ? [{ name: "direct", url: direct }] : []), { name: "wrangler-dev", url: gateway.url }].filter((t) => wanted.includes(t.name));
    if (!direct) log("the Worker's own port was not found; measuring through the wrangler dev proxy only");
    const rows = [];
    const profiles = [];
    for (const target of targets) {
      for (const n of counts) {
        if (options.signal?.aborted) break;
        rows.push(await measure(gateway, target, n, { signal: options.signal, log, profiles }));
      }
    }
    const largestN = Math.max(...counts);
    for (const { clients, gapMs } of PACED) {
      if (!options.signal?.aborted) rows.push(await measure(gateway, targets[0], clients, { signal: options.signal, log, gapMs, profiles }));
    }
    const largest = rows.find((r) => r.path === targets[0].name && r.clients === largestN && r.mode === "burst");
    return {
      rows,
      ...(PROFILE ? { profiles } : {}),
      burst: `${BURSTS} bursts × ${EVENTS_PER_BURST} events (POST /task by ${PUBLISHERS} publishers back to back)`,
      latency: "from sending the publishing request to the frame arriving at a client; 'all' = until the last client has it",
      targetAllP99Ms: TARGET_P99_MS,
      loadavg1m: `${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs (other processes share them)`,
      publishers: PUBLISHERS,
      hubLeaves: leaves,
      heartbeatMs: HEARTBEAT_MS,
      paths: "wrangler-dev = through the proxy workerd that wrangler dev puts in front (what the tests use); direct = to the workerd that runs the Worker (the production topology has no such proxy)",
      targetMet: largest ? largest.clients >= 1000 && largest.allP99Ms !== null && largest.allP99Ms < TARGET_P99_MS : false,
      headline: largest ? { path: largest.path, clients: largest.clients, allP99Ms: largest.allP99Ms, workerdOpenMB: largest.workerdOpenMB, paced: rows.filter((r) => r.mode !== "burst").map((r) => `${r.clients} ${r.mode}: p50 ${r.allP50Ms} / p99 ${r.allP99Ms} ms, ${r.workerdPeakMB} MB`) } : null,
    };
  } finally {
    await gateway.stop();
  }
}

async function main() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  const startedAt = new Date();
  try {
    const result = await run({ signal: controller.signal });
    const columns = Object.keys(result.rows[0] ?? {});
    const widths = columns.map((c) => Math.max(c.length, ...result.rows.map((r) => String(r[c]).length)));
    const line = (values) => values.map((v, i) => String(v).padStart(widths[i])).join("  ");
    console.log(line(columns));
    for (const row of result.rows) console.log(line(columns.map((c) => row[c])));
    console.log(`burst: ${result.burst}; target all-clients p99 < ${result.targetAllP99Ms} ms at N=1000: ${result.targetMet ? "met" : "not met"}`);
    const dir = fileURLToPath(new URL("./results/", import.meta.url));
    mkdirSync(dir, { recursive: true });
    const record = { name: "sse", startedAt: startedAt.toISOString(), machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, node: process.version }, ok: true, result };
    writeFileSync(`${dir}sse.json`, `${JSON.stringify(record, null, 2)}\n`);
    console.log("results: bench/results/sse.json");
  } finally {
    clearTimeout(timer);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
