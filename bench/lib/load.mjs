// Closed-loop HTTP load with autocannon: a discarded warm-up, then a timed run whose every
// response time is kept so percentiles come from all samples, not autocannon's histogram buckets.
import autocannon from "autocannon";
import { groupCpuMs } from "./procs.mjs";
import { summarize } from "./stats.mjs";

/** One autocannon run of `seconds`, stopped early when `options.signal` aborts. */
function fire(options, seconds, onResponse) {
  const instance = autocannon({
    url: options.url,
    method: options.method ?? "GET",
    headers: options.headers ?? {},
    body: options.body,
    connections: options.connections ?? 50,
    duration: seconds,
    timeout: 10,
  });
  const abort = () => instance.stop();
  options.signal?.addEventListener("abort", abort, { once: true });
  if (onResponse) instance.on("response", onResponse);
  return instance.then(
    (result) => {
      options.signal?.removeEventListener("abort", abort);
      return result;
    },
    (error) => {
      options.signal?.removeEventListener("abort", abort);
      throw error;
    },
  );
}

/**
 * Options: url, method, headers, body (string), connections (default 50), duration and warmup
 * (seconds; default 10 and 2), signal (AbortSignal that stops the run early), expect (the status
 * that counts as success; default any 2xx), samples (an array that also receives every successful
 * response time, to pool several runs), cpuPid (process group of the server: its CPU time is
 * measured over the timed run).
 * Runs the load and resolves to {connections, durationSec, requests, okPerSec, reqPerSec,
 * latencyMs: {count, mean, p50, p90, p99, max} over successful responses, statusCodes, non2xx,
 * unexpected (responses that were not a success), cpuMs and cpuMsPerRequest (server CPU, when
 * cpuPid is given), errors, timeouts}.
 */
export async function runLoad(options) {
  const warmup = options.warmup ?? 2;
  if (warmup > 0) await fire(options, warmup);
  options.signal?.throwIfAborted();
  const latencies = [];
  const statusCodes = {};
  const cpuBefore = options.cpuPid ? groupCpuMs(options.cpuPid) : null;
  const result = await fire(options, options.duration ?? 10, (_client, status, _bytes, ms) => {
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    if (options.expect === undefined ? status >= 200 && status < 300 : status === options.expect) {
      latencies.push(ms);
      options.samples?.push(ms);
    }
  });
  const cpuMs = cpuBefore === null ? null : groupCpuMs(options.cpuPid) - cpuBefore;
  options.signal?.throwIfAborted();
  const seconds = (result.finish - result.start) / 1000;
  const total = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    connections: result.connections,
    durationSec: Math.round(seconds * 100) / 100,
    requests: total,
    okPerSec: Math.round((latencies.length / seconds) * 10) / 10,
    reqPerSec: Math.round((total / seconds) * 10) / 10,
    latencyMs: summarize(latencies),
    statusCodes,
    non2xx: Object.entries(statusCodes).reduce((n, [code, count]) => (code.startsWith("2") ? n : n + count), 0),
    unexpected: total - latencies.length,
    cpuMs,
    cpuMsPerRequest: cpuMs === null || total === 0 ? null : Math.round((cpuMs / total) * 1000) / 1000,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
