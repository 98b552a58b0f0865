/** Abuse-protection policy (pure): the per-minute quotas of a client IP, an inbound source and failed authentications, and the slow-down delay. */
import type { Config } from "../config";
import type { LevelName, LevelSpec, LevelView } from "./limiter";

/** The abuse settings (config.abuse). */
export type AbuseConfig = Config["abuse"];

/** One minute, kept as 60 one-second slots. */
export const MINUTE_MS = 60_000;

/** A per-minute window quota (no bucket), or none when the limit is off (0). */
export function perMinute(level: LevelName, limit: number): LevelSpec[] {
  return limit > 0 ? [{ key: "minute", level, limit, windowMs: MINUTE_MS, burstCapacity: 0 }] : [];
}

/** Requests per minute from one client IP on unauthenticated routes. */
export function ipSpecs(config: AbuseConfig): LevelSpec[] {
  return perMinute("ip", config.ipPerMinute);
}

/** Failed authentications per minute from one client IP. */
export function authFailureSpecs(config: AbuseConfig): LevelSpec[] {
  return perMinute("ip", config.authFailuresPerMinute);
}

/** Requests per minute to one inbound source: its own configured limit, else the default. */
export function sourceSpecs(config: AbuseConfig, source: string): LevelSpec[] {
  if (config.sourceDefaultPerMinute === 0) return [];
  return perMinute("source", config.sourcePerMinute[source] ?? config.sourceDefaultPerMinute);
}

/**
 * How long to hold an admitted answer back: nothing up to `soft` × the limit, then growing linearly
 * with every request over it, to `maxMs` for the last request the limit admits (the next one is the
 * hard 429). `view` is the level after the request was counted.
 */
export function slowDownMs(view: LevelView, soft: number, maxMs: number): number {
  if (maxMs <= 0 || soft >= 1) return 0;
  const used = view.limit - view.remaining;
  const threshold = Math.floor(view.limit * soft);
  if (used <= threshold) return 0;
  const over = used - threshold;
  const span = view.limit - threshold;
  return Math.round((maxMs * over) / span);
}
