/** EventRing (pure): the hub's memory of the most recent events in arrival order, each with an arrival sequence number. */

/** What the ring needs to know about an event. */
export interface RingEvent {
  id: string;
  type: string;
  createdAt: number;
}

/** An event with the hub's arrival sequence number (1, 2, 3, ... per hub instance). */
export interface RingEntry<T extends RingEvent> {
  seq: number;
  event: T;
}

/** A fixed-capacity circular buffer of recent events, indexed by id. */
export class EventRing<T extends RingEvent> {
  readonly capacity: number;
  private readonly slots: (RingEntry<T> | undefined)[];
  private readonly byId = new Map<string, RingEntry<T>>();
  private nextSeq = 1;
  private start = 0;
  private size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("ring capacity must be a positive integer");
    this.capacity = capacity;
    this.slots = new Array(capacity);
  }

  /**
   * Appends an event, evicting the oldest when full. Returns null (and changes nothing) when
   * the id is already held: a retried hand-off must not fan out twice.
   */
  push(event: T): RingEntry<T> | null {
    if (this.byId.has(event.id)) return null;
    const entry: RingEntry<T> = { seq: this.nextSeq++, event };
    if (this.size === this.capacity) {
      const evicted = this.slots[this.start]!;
      this.byId.delete(evicted.event.id);
      this.slots[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    } else {
      this.slots[(this.start + this.size) % this.capacity] = entry;
      this.size++;
    }
    this.byId.set(event.id, entry);
    return entry;
  }

  /** The entry for an id still held, or undefined. */
  get(id: string): RingEntry<T> | undefined {
    return this.byId.get(id);
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
}
