/**
 * EventRing (pure): the hub's memory of the most recent events in arrival order, each with an
 * arrival sequence number, plus the ids of events evicted within the last `rememberMs` (so the
 * hub can still tell "arrived and forgotten" from "not arrived yet").
 */
import { eventIdTime } from "../lib/ids";

/** What the ring needs to know about an event. */
export interface RingEvent {
  id: string;
  type: string;
  createdAt: number;
  /** The event's tenant: a stream bound to a tenant takes only its events. */
  tenantId: string;
}

/** An event with the hub's arrival sequence number (1, 2, 3, ... per hub instance). */
export interface RingEntry<T extends RingEvent> {
  seq: number;
  event: T;
}

/** Options for EventRing. */
export interface EventRingOptions {
  /** Events held whole (with their frames). */
  capacity: number;
  /** How long (by id time) the ids of evicted events are remembered. */
  rememberMs: number;
  /** Upper bound on remembered ids, whatever their age. */
  maxRemembered?: number;
}

/** A fixed-capacity circular buffer of recent events, indexed by id. */
export class EventRing<T extends RingEvent> {
  readonly capacity: number;
  private readonly rememberMs: number;
  private readonly maxRemembered: number;
  private readonly slots: (RingEntry<T> | undefined)[];
  private readonly byId = new Map<string, RingEntry<T>>();
  /** Evicted id → its id time, in eviction order. */
  private readonly remembered = new Map<string, number>();
  private nextSeq = 1;
  private start = 0;
  private size = 0;

  constructor(options: EventRingOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError("ring capacity must be a positive integer");
    this.capacity = options.capacity;
    this.rememberMs = options.rememberMs;
    this.maxRemembered = options.maxRemembered ?? 200_000;
    this.slots = new Array(options.capacity);
  }

  /**
   * Appends an event, evicting the oldest when full. Returns null (and changes nothing) when the
   * id is held or remembered: a retried hand-off must not fan out twice.
   */
  push(event: T, now: number): RingEntry<T> | null {
    if (this.hasArrived(event.id)) return null;
    const entry: RingEntry<T> = { seq: this.nextSeq++, event };
    if (this.size === this.capacity) {
      const evicted = this.slots[this.start]!;
      this.byId.delete(evicted.event.id);
      this.remembered.set(evicted.event.id, eventIdTime(evicted.event.id) ?? evicted.event.createdAt);
      this.slots[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    } else {
      this.slots[(this.start + this.size) % this.capacity] = entry;
      this.size++;
    }
    this.byId.set(event.id, entry);
    this.forgetOld(now);
    return entry;
  }

  /** The entry for an id still held, or undefined. */
  get(id: string): RingEntry<T> | undefined {
    return this.byId.get(id);
  }

  /** True when the event reached this ring: held now, or evicted within the remembered window. */
  hasArrived(id: string): boolean {
    return this.byId.has(id) || this.remembered.has(id);
  }

  /** How many events are held. */
  get length(): number {
    return this.size;
  }

  /** Every held entry, oldest arrival first. */
  entries(): RingEntry<T>[] {
    const out: RingEntry<T>[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.slots[(this.start + i) % this.capacity]!);
    return out;
  }

  private forgetOld(now: number): void {
    for (const [id, time] of this.remembered) {
      if (time >= now - this.rememberMs && this.remembered.size <= this.maxRemembered) break;
      this.remembered.delete(id);
    }
  }
}
