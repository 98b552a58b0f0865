/**
 * The replay seam (pure): where a new stream starts, and how stored events (D1), the hub's ring
 * and live arrivals are merged so that nothing is missed and nothing is sent twice.
 *
 * Ordering: event ids order by publisher millisecond and, within one isolate, by a sequence; ids
 * from different isolates (or concurrent requests in one) can reach the hub in a different order
 * than their ids. A stream therefore sends live events in hub arrival order, and a stream's order
 * is: stored events older than the ring (id order), then ring and live events (arrival order).
 * See docs/STREAMING.md for the argument that the seam is exact.
 */
import { eventIdTime } from "../lib/ids";
import type { EventRing, RingEntry, RingEvent } from "./ring";

/** Where a new stream starts: now, a point in time, or just after an event the client has seen. */
export type StreamCursor = { kind: "live" } | { kind: "since"; sinceMs: number } | { kind: "after"; id: string };

/** What to read from the store (D1) in id order, all conditions applying. */
export interface StoreQuery {
  afterId?: string;
  sinceMs?: number;
}

/**
 * How a stream catches up: not at all (`live`); from the ring alone, exactly (`ring`, the cursor
 * event is still in the ring); or from the store first and then the ring entries (`store`).
 */
export type CatchUpPlan<T extends RingEvent> =
  | { kind: "live" }
  | { kind: "ring"; entries: RingEntry<T>[] }
  | { kind: "store"; query: StoreQuery; entries: RingEntry<T>[] };

/** Options for planCatchUp. */
export interface PlanCatchUpOptions {
  /**
   * For a cursor no longer in the ring: ring events whose id time is at most this much before
   * the cursor's are still sent (they arrived after the cursor event, so the client cannot have
   * seen them, though their ids sort lower).
   */
  reorderWindowMs: number;
}

/** Decides how a stream with `cursor` catches up, given the ring at the moment it registers. */
export function planCatchUp<T extends RingEvent>(ring: EventRing<T>, cursor: StreamCursor, options: PlanCatchUpOptions): CatchUpPlan<T> {
  if (cursor.kind === "live") return { kind: "live" };
  if (cursor.kind === "since") {
    return { kind: "store", query: { sinceMs: cursor.sinceMs }, entries: ring.entries().filter((e) => e.event.createdAt >= cursor.sinceMs) };
  }
  const seen = ring.get(cursor.id);
  if (seen) return { kind: "ring", entries: ring.entries().filter((e) => e.seq > seen.seq) };
  const floor = (eventIdTime(cursor.id) ?? 0) - options.reorderWindowMs;
  const entries = ring.entries().filter((e) => e.event.id > cursor.id || (eventIdTime(e.event.id) ?? 0) >= floor);
  return { kind: "store", query: { afterId: cursor.id }, entries };
}

/** Options for CatchUp. */
export interface CatchUpOptions {
  /** Whether the stream wants an event of this type (its filter). */
  matches: (type: string) => boolean;
  /** Live arrivals held while catching up before the stream counts as too slow. */
  maxBuffered: number;
  /** When the stream registered with the hub (hub clock, epoch ms). */
  registeredAt: number;
  /**
   * Longest time from an event's id being made to its hand-off reaching the hub (the hand-off
   * runs in `waitUntil`, which the platform ends 30 s after the response). A stored event this
   * recent may still arrive live after it was sent from the store, so its id is remembered.
   */
  handoffWindowMs: number;
}

/** What happened to a live arrival offered to a stream. */
export type LiveOutcome = "send" | "buffered" | "duplicate" | "overflow";

/**
 * The state of one stream while it catches up from the store: live arrivals are buffered, stored
 * events are sent unless the ring part or the buffer will send them, `finish` yields the rest,
 * and afterwards live arrivals already sent from the store are recognised until the window ends.
 */
export class CatchUp<T extends RingEvent> {
  private readonly entries: RingEntry<T>[];
  private readonly later = new Set<string>();
  private readonly sentFromStore = new Set<string>();
  private readonly buffered: T[] = [];
  private readonly options: CatchUpOptions;
  private finished = false;

  constructor(entries: RingEntry<T>[], options: CatchUpOptions) {
    this.entries = entries;
    this.options = options;
    for (const entry of entries) this.later.add(entry.event.id);
  }

  /** True until `finish`. */
  get active(): boolean {
    return !this.finished;
  }

  /** Until when (hub clock) this state is still needed to recognise late hand-offs. */
  get expiresAt(): number {
    return this.options.registeredAt + this.options.handoffWindowMs;
  }

  /** Decides what to do with a live arrival the stream's filter accepts. */
  offer(event: T): LiveOutcome {
    if (this.sentFromStore.has(event.id)) return "duplicate";
    if (this.finished) return "send";
    if (this.buffered.length >= this.options.maxBuffered) return "overflow";
    this.buffered.push(event);
    this.later.add(event.id);
    return "buffered";
  }

  /** Whether an event read from the store is sent now (matches, and is not sent later from the ring or buffer). */
  takeStored(event: RingEvent): boolean {
    if (!this.options.matches(event.type) || this.later.has(event.id)) return false;
    if ((eventIdTime(event.id) ?? 0) >= this.options.registeredAt - this.options.handoffWindowMs) this.sentFromStore.add(event.id);
    return true;
  }

  /** Ends catch-up: the ring part (filtered) then the buffered arrivals, in arrival order. */
  finish(): T[] {
    this.finished = true;
    const out = this.entries.filter((e) => this.options.matches(e.event.type)).map((e) => e.event);
    out.push(...this.buffered);
    this.buffered.length = 0;
    this.later.clear();
    this.entries.length = 0;
    return out;
  }
}
