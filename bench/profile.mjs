// bench/profile: where the gateway's CPU goes on POST /task (bench/inbound's load), from a V8 CPU profile
// of the Worker's isolate taken through the `wrangler dev` inspector, summarised by package, module, function.
import { startProfile } from "./lib/cpu-profile.mjs";
import { runLoad } from "./lib/load.mjs";
import { createToken, startGateway } from "./lib/servers.mjs";

export const description = "CPU profile of POST /task under load: self time by package/folder, module and function";
export const timeoutMs = 180_000;

const PATH = "/webhooks/v2/task";
const BODY = JSON.stringify({ action: "add_task", task: "benchmark task number one", priority: "medium" });
/** bench/inbound's settings, so the profile explains that benchmark's numbers. */
const GATEWAY_VARS = { RATE_LIMITS_ENABLED: "false", LOG_REQUESTS: "false" };

/** Options: connections (50), duration (10 s), warmup (2 s), signal, log. */
export async function run(options = {}) {
  const connections = options.connections ?? 50;
  const duration = options.duration ?? 10;
  const log = options.log ?? (() => {});
  const gateway = await startGateway(GATEWAY_VARS);
  try {
    const token = await createToken(gateway, ["task"]);
    const headers = { "Content-Type": "application/json", Authorization: `Bearer ${token.key}` };
    const load = (seconds) => runLoad({ url: `${gateway.url}${PATH}`, method: "POST", headers, body: BODY, connections, duration: seconds, warmup: 0, signal: options.signal, cpuPid: gateway.pid });
    log(`warm-up ${options.warmup ?? 2} s`);
    await load(options.warmup ?? 2);
    const profiler = await startProfile({ inspectorPort: gateway.inspectorPort });
    log(`profiling ${duration} s at ${connections} connections`);
    const measured = await load(duration);
    const profile = await profiler.stop();
    const perRequest = (ms) => Math.round((ms / Math.max(1, measured.requests)) * 1000) / 1000;
    return {
      rows: profile.groups.map((g) => ({ ...g, msPerRequest: perRequest(g.ms) })),
      modules: profile.modules,
      functions: profile.functions,
      requests: measured.requests,
      okPerSec: measured.okPerSec,
      processGroupCpuMsPerRequest: measured.cpuMsPerRequest,
      isolateBusyMsPerRequest: perRequest(profile.busyMs),
      isolateBusyShare: `${((100 * profile.busyMs) / Math.max(1, profile.wallMs)).toFixed(1)} % of ${profile.wallMs} ms`,
      note: "self time in the Worker's isolate; '(program)' is native runtime work on its thread; the rest of the process group's CPU (wrangler's proxy, the D1 and Durable Object services, the kernel) is processGroupCpuMsPerRequest minus isolateBusyMsPerRequest",
      headline: { isolateBusyMsPerRequest: perRequest(profile.busyMs), processGroupCpuMsPerRequest: measured.cpuMsPerRequest, top: profile.groups.slice(0, 3).map((g) => `${g.name} ${g.share}`).join(", ") },
    };
  } finally {
    await gateway.stop();
  }
}
