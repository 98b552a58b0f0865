// Automation on the inbound path: POST /task throughput with no rules, with 10 enabled rules that do not
// match, and with 1 rule that matches (each request starts a run), in alternating rounds on one gateway.
import { runLoad } from "./lib/load.mjs";
import { createToken, startGateway } from "./lib/servers.mjs";
import { ratio, summarize } from "./lib/stats.mjs";

export const description = "POST /task with 0 rules vs 10 non-matching vs 1 matching rule (ratios within one run)";
export const timeoutMs = 480_000;

const PATH = "/webhooks/v2/task";
const BODY = JSON.stringify({ action: "add_task", task: "benchmark task number one", priority: "medium" });
const GATEWAY_VARS = { RATE_LIMITS_ENABLED: "false", LOG_REQUESTS: "false" };
const NON_MATCHING = 10;

async function admin(gateway, path, method, body) {
  const res = await fetch(`${gateway.url}/webhooks/v2${path}`, { method, headers: { Authorization: `Bearer ${gateway.adminToken}`, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** Enables exactly the rules of one configuration (the others are disabled). */
async function configure(gateway, rules, name) {
  for (const rule of rules.nonMatching) await admin(gateway, `/rules/${rule}`, "PATCH", { enabled: name === "tenNonMatching" });
  await admin(gateway, `/rules/${rules.matching}`, "PATCH", { enabled: name === "oneMatching" });
  // Other isolates see rule changes within the rule cache TTL (SUBSCRIPTION_CACHE_TTL_SECONDS, 5 s).
  await new Promise((r) => setTimeout(r, 5500));
}

/** Waits (≤ 90 s) until the matching rule has no unfinished run, so its backlog does not load the next phase. */
async function drain(gateway, ruleId, log) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    let open = 0;
    for (const status of ["queued", "running", "waiting"]) open += (await admin(gateway, `/runs?rule=${ruleId}&status=${status}&limit=100`, "GET")).items.length;
    if (open === 0 || Date.now() > deadline) return open;
    log(`draining: ${open}+ runs unfinished`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Options: connections (10), duration (10 s), warmup (2 s), rounds (2), signal, log. */
export async function run(options = {}) {
  const connections = options.connections ?? 10;
  const duration = options.duration ?? 10;
  const warmup = options.warmup ?? 2;
  const rounds = options.rounds ?? 2;
  const log = options.log ?? (() => {});
  log("starting gateway (wrangler dev)");
  const gateway = await startGateway(GATEWAY_VARS);
  const token = await createToken(gateway, ["task"]);
  const headers = { "Content-Type": "application/json", Authorization: `Bearer ${token.key}` };
  const steps = [{ id: "check", kind: "condition", if: { all: [{ field: "data.priority", operator: "exists" }] } }];
  const rules = { nonMatching: [], matching: null };
  for (let i = 0; i < NON_MATCHING; i++) rules.nonMatching.push((await admin(gateway, "/rules", "POST", { name: `bench other ${i}`, trigger: { events: [`bench.other${i}.*`] }, enabled: false, steps })).id);
  rules.matching = (await admin(gateway, "/rules", "POST", { name: "bench match", trigger: { events: ["task.created"] }, enabled: false, steps })).id;

  const configs = { noRules: { samples: [], runs: [] }, tenNonMatching: { samples: [], runs: [] }, oneMatching: { samples: [], runs: [] } };
  const rows = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? ["noRules", "tenNonMatching", "oneMatching"] : ["oneMatching", "tenNonMatching", "noRules"];
    for (const name of order) {
      await configure(gateway, rules, name);
      log(`round ${round}: ${name}, ${connections} connections, ${warmup} s warm-up + ${duration} s`);
      const load = await runLoad({ url: `${gateway.url}${PATH}`, method: "POST", headers, body: BODY, connections, duration, warmup, signal: options.signal, samples: configs[name].samples, cpuPid: gateway.pid });
      configs[name].runs.push(load);
      if (name === "oneMatching") await drain(gateway, rules.matching, log);
      rows.push({ target: `${name} #${round}`, okPerSec: load.okPerSec, p50: load.latencyMs.p50, p99: load.latencyMs.p99, cpuMsPerReq: load.cpuMsPerRequest, non2xx: load.non2xx, errors: load.errors });
    }
  }
  const pooled = (name) => {
    const runs = configs[name].runs;
    const seconds = runs.reduce((a, r) => a + r.durationSec, 0);
    const latencyMs = summarize(configs[name].samples);
    return { okPerSec: Math.round((latencyMs.count / seconds) * 10) / 10, p50: latencyMs.p50, p99: latencyMs.p99, non2xx: runs.reduce((a, r) => a + r.non2xx, 0) };
  };
  const none = pooled("noRules");
  const ten = pooled("tenNonMatching");
  const one = pooled("oneMatching");
  for (const [name, p] of Object.entries({ noRules: none, tenNonMatching: ten, oneMatching: one })) rows.push({ target: `${name} (all rounds)`, okPerSec: p.okPerSec, p50: p.p50, p99: p.p99, non2xx: p.non2xx });
  const runsStarted = (await admin(gateway, `/runs?rule=${rules.matching}&limit=1`, "GET")).items.length > 0;
  const headline = {
    noRulesOkPerSec: none.okPerSec,
    tenNonMatchingRatio: ratio(ten.okPerSec, none.okPerSec),
    oneMatchingRatio: ratio(one.okPerSec, none.okPerSec),
    noRulesP50Ms: none.p50,
    tenNonMatchingP50Ms: ten.p50,
    oneMatchingP50Ms: one.p50,
    oneMatchingP99Ms: one.p99,
  };
  return { rows, route: `POST ${PATH}`, connections, durationSec: duration, rounds, runsStarted, ...headline, headline };
}
