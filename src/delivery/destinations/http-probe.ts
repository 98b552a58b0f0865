/** A health probe of an http destination: HEAD (GET when HEAD is refused), bounded, no redirects, no body read. */
import { VERSION } from "../../lib/version";
import { PROBE_TIMEOUT_MS, probeFallback, type ProbeAnswer } from "../core/endpoint-checks";

/** Options of probeUrl. */
export interface ProbeOptions {
  /** The destination's own headers and auth, so an endpoint that needs them answers as it would a delivery. */
  headers: Record<string, string>;
  timeoutMs?: number;
}

async function once(url: string, method: "HEAD" | "GET", options: ProbeOptions): Promise<ProbeAnswer> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const started = Date.now();
  try {
    const response = await fetch(url, { method, headers: { ...options.headers, "User-Agent": `edgehook/${VERSION}` }, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel().catch(() => undefined);
    return { statusCode: response.status, durationMs: Date.now() - started, error: null };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { statusCode: null, durationMs: Date.now() - started, error: timedOut ? `timeout after ${timeoutMs} ms` : String(error) };
  }
}

/** Probes `url` (already checked by the destination guard) with HEAD, then GET when HEAD is refused. Never throws. */
export async function probeUrl(url: string, options: ProbeOptions): Promise<ProbeAnswer> {
  const head = await once(url, "HEAD", options);
  return probeFallback(head.statusCode) ? once(url, "GET", options) : head;
}
