/**
 * The replay seam (pure): where a new stream starts, and how stored events (D1), the hub's ring
 * and live arrivals are merged so that nothing is missed and nothing is sent twice.
 *
 * Ordering: event ids order by publisher millisecond and, within one isolate, by a sequence; ids
 * from different isolates (or concurrent requests in one) can reach the hub in a different order
 * than their ids. The one order every stream follows is therefore: events the hub has forgotten
 * (or never saw) in id order, then everything the hub holds or receives in its arrival order. A
 * stored event that is recent and has not reached the hub is never sent from the store: its
 * hand-off is on the way and it is sent on arrival, in its place. docs/STREAMING.md has the argument.
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

/**
 * Decides how a stream with `cursor` catches up, given the ring at the moment it registers.
 * A cursor still in the ring is served from the ring alone (arrival order, exact). A cursor the
 * ring no longer holds arrived before everything the ring holds, so every ring entry is unseen.
 */
export function planCatchUp<T extends RingEvent>(ring: EventRing<T>, cursor: StreamCursor): CatchUpPlan<T> {
  if (cursor.kind === "live") return { kind: "live" };
  if (cursor.kind === "since") {
    return { kind: "store", query: { sinceMs: cursor.sinceMs }, entries: ring.entries().filter((e) => e.event.createdAt >= cursor.sinceMs) };
  }
  const seen = ring.get(cursor.id);
  if (seen) return { kind: "ring", entries: ring.entries().filter((e) => e.seq > seen.seq) };
  return { kind: "store", query: { afterId: cursor.id }, entries: ring.entries() };
}

/** Options for CatchUp. */
export interface CatchUpOptions {
  /** Whether the stream wants this event (its filter: tenant and types). */
  matches: (event: RingEvent) => boolean;
  /** Live arrivals held while catching up before the stream counts as too slow. */
  maxBuffered: number;
  /** When the stream registered with the hub (hub clock, epoch ms). */
  registeredAt: number;
  /** When this hub instance started: events made before it may have been handed to a previous instance. */
  bootAt: number;
  /**
   * Longest time from an event's id being made to its hand-off reaching the hub (the hand-off
   * runs in `waitUntil`, which the platform ends 30 s after the response).
   */
  handoffWindowMs: number;
  /** Whether an event has reached this hub instance (EventRing.hasArrived). */
  hasArrived: (id: string) => boolean;
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

  /** Decides what to do with a live arrival the stream's filter (tenant and types) accepts. */
  offer(event: T): LiveOutcome {
    if (this.sentFromStore.has(event.id)) return "duplicate";
    if (this.finished) return "send";
    if (this.buffered.length >= this.options.maxBuffered) return "overflow";
    this.buffered.push(event);
    this.later.add(event.id);
    return "buffered";
  }

  /**
   * Whether an event read from the store is sent now. Not when the filter refuses it, nor when
   * the ring part or the buffer sends it later, nor when it is recent and has not reached the
   * hub yet: its hand-off is on the way and it will be sent live, in arrival order.
   */
  takeStored(event: RingEvent): boolean {
    const { matches, hasArrived, registeredAt, handoffWindowMs, bootAt } = this.options;
    if (!matches(event) || this.later.has(event.id)) return false;
    const madeAt = eventIdTime(event.id) ?? event.createdAt;
    if (!hasArrived(event.id) && madeAt >= Math.max(registeredAt - handoffWindowMs, bootAt)) return false;
    // Made before this hub started: a hand-off retried across the restart may still arrive.
    if (madeAt >= registeredAt - handoffWindowMs) this.sentFromStore.add(event.id);
    return true;
  }

  /** Ends catch-up: the ring part (filtered) then the buffered arrivals, in arrival order. */
  finish(): T[] {
    this.finished = true;
    const out = this.entries.filter((e) => this.options.matches(e.event)).map((e) => e.event);
    out.push(...this.buffered);
    this.buffered.length = 0;
    this.later.clear();
    this.entries.length = 0;
    return out;
  }
}
