/** Stream caps (pure): how far back a stream may replay, and the concurrent-stream lease arithmetic. */
import { eventIdTime } from "../lib/ids";
import { iso } from "../lib/time";
import type { StreamCursor } from "./catch-up";

/** A stream lease lasts this long unless renewed; an open stream renews it every third of it. */
export const STREAM_LEASE_MS = 60_000;

/** Why a replay is refused: the field, and details naming the limit. */
export interface ReplayRefusal {
  field: "since" | "Last-Event-ID";
  message: string;
  details: Record<string, unknown>;
}

/** Refuses a cursor that reaches further back than `maxReplayMs` (a `since`, or the time inside a `Last-Event-ID`); null when allowed. */
export function replayRefusal(cursor: StreamCursor, now: number, maxReplayMs: number): ReplayRefusal | null {
  const from = cursor.kind === "since" ? cursor.sinceMs : cursor.kind === "after" ? eventIdTime(cursor.id) : null;
  if (from === null || now - from <= maxReplayMs) return null;
  const field = cursor.kind === "since" ? "since" : "Last-Event-ID";
  const earliest = iso(now - maxReplayMs);
  return {
    field,
    message: `${field} reaches back further than the replay limit of ${maxReplayMs / 1000} s (earliest ${earliest})`,
    details: { field, reason: "older than STREAM_MAX_REPLAY", maxReplaySeconds: maxReplayMs / 1000, earliest },
  };
}

/** The outcome of asking for a stream slot. */
export type LeaseAnswer = { ok: true } | { ok: false; active: number; retryAfterSeconds: number };

/**
 * Decides a slot request over the live leases (id → expiry): granted while fewer than `max` are
 * live (0 = no cap); otherwise refused with the wait until the soonest lease ends.
 */
export function decideLease(live: readonly number[], now: number, max: number): LeaseAnswer {
  const active = live.filter((expiresAt) => expiresAt > now);
  if (max === 0 || active.length < max) return { ok: true };
  const soonest = Math.min(...active);
  return { ok: false, active: active.length, retryAfterSeconds: Math.max(1, Math.ceil((soonest - now) / 1000)) };
}
