/** The hub tree's bookkeeping: the root's attached leaves and their ordered relays, when it last said nobody listens, and a leaf's membership (attach with the root's ring, detach when idle). */
import type { HubEvent } from "./connection";
import { listeningEpoch } from "./listeners";

/** Relay attempts to one leaf before a batch is given up on for that leaf's live streams (it stays in D1). */
const RELAY_ATTEMPTS = 3;

/**
 * Root side: the last time the root answered a hand-off "nobody listens", persisted (a restarted
 * root must still know that isolates may be skipping their hand-offs).
 */
export class NobodyTold {
  readonly #sql: SqlStorage;
  #lastAt: number | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS hub_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    for (const row of sql.exec<{ value: number }>("SELECT value FROM hub_state WHERE key = 'nobody_at'")) this.#lastAt = row.value;
  }

  /** Records a "nobody listens" answer given at `now`. */
  told(now: number): void {
    this.#lastAt = now;
    this.#sql.exec("INSERT OR REPLACE INTO hub_state (key, value) VALUES ('nobody_at', ?)", now);
  }

  /**
   * The tree listens again: the epoch its streams must wait for (events made before it may have
   * been skipped), or null when no "nobody" answer was given since it last listened. Forgets it.
   */
  reopen(): number | null {
    if (this.#lastAt === null) return null;
    const epoch = listeningEpoch(this.#lastAt);
    this.#lastAt = null;
    this.#sql.exec("DELETE FROM hub_state WHERE key = 'nobody_at'");
    return epoch;
  }
}

/** What the root needs from a leaf: take relayed events, answer its stream count (-1 = not attached). */
export interface LeafPort {
  relay(events: HubEvent[]): Promise<number>;
}

/**
 * Root side: the leaves that hold streams, persisted so a restarted root keeps relaying to them.
 * Each leaf gets the root's batches through its own promise chain, so it receives them in the
 * root's order; a leaf that answers "not attached" is forgotten unless it attached again meanwhile.
 */
export class LeafRelays {
  readonly #sql: SqlStorage;
  readonly #port: (name: string) => LeafPort;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #generation = new Map<string, number>();

  constructor(sql: SqlStorage, port: (name: string) => LeafPort) {
    this.#sql = sql;
    this.#port = port;
    sql.exec("CREATE TABLE IF NOT EXISTS hub_leaves (name TEXT PRIMARY KEY)");
    for (const row of sql.exec<{ name: string }>("SELECT name FROM hub_leaves")) this.#chains.set(row.name, Promise.resolve());
  }

  /** The attached leaves' names. */
  get names(): string[] {
    return [...this.#chains.keys()];
  }

  /** Adds a leaf (idempotent); relays from now on include it. */
  attach(name: string): void {
    this.#generation.set(name, (this.#generation.get(name) ?? 0) + 1);
    if (!this.#chains.has(name)) this.#chains.set(name, Promise.resolve());
    this.#sql.exec("INSERT OR IGNORE INTO hub_leaves (name) VALUES (?)", name);
  }

  /** Removes a leaf. */
  detach(name: string): void {
    this.#chains.delete(name);
    this.#sql.exec("DELETE FROM hub_leaves WHERE name = ?", name);
  }

  /** Sends `events` to every attached leaf, after that leaf's previous batches. */
  relay(events: HubEvent[]): void {
    for (const [name, chain] of this.#chains) {
      const generation = this.#generation.get(name) ?? 0;
      this.#chains.set(
        name,
        chain.then(() => this.#send(name, events, generation)),
      );
    }
  }

  async #send(name: string, events: HubEvent[], generation: number): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= RELAY_ATTEMPTS; attempt++) {
      try {
        const streams = await this.#port(name).relay(events);
        if (streams < 0 && (this.#generation.get(name) ?? 0) === generation && this.#chains.has(name)) this.detach(name);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    console.error(JSON.stringify({ level: "error", where: "EventHub.relay", leaf: name, events: events.map((e) => e.id), error: String(lastError) }));
  }
}

/** What a leaf needs from the root. */
export interface RootPort {
  attach(leaf: string): Promise<RootSeed>;
  detach(leaf: string): Promise<void>;
}

/** What a leaf gets when it attaches: the root's ring (oldest first) and the epoch before which events may be missing from it. */
export interface RootSeed {
  events: HubEvent[];
  epoch: number;
}

/** How long a leaf without streams stays attached (a reconnecting client finds it warm). */
export const LEAF_IDLE_MS = 30_000;

/**
 * Leaf side: attached to the root or not. Attaching loads the root's ring into the leaf's (through
 * `seed`) before the leaf accepts a stream or a relayed batch, so the leaf's ring is the root's
 * order; attach and detach calls are chained, so the root sees them in the order the leaf made them.
 */
export class LeafMembership {
  readonly #root: () => RootPort;
  readonly #seed: (seed: RootSeed) => void;
  #name: string | null = null;
  #attached = false;
  #attaching: Promise<void> | null = null;
  #chain: Promise<void> = Promise.resolve();

  constructor(root: () => RootPort, seed: (seed: RootSeed) => void) {
    this.#root = root;
    this.#seed = seed;
  }

  /** Whether relayed batches are taken now. */
  get attached(): boolean {
    return this.#attached;
  }

  /** Attaches as `name` (once; later calls wait for the same attach). */
  join(name: string): Promise<void> {
    this.#name = name;
    if (this.#attached) return Promise.resolve();
    this.#attaching ??= this.#chain
      .then(async () => {
        this.#seed(await this.#root().attach(name));
        this.#attached = true;
      })
      .finally(() => (this.#attaching = null));
    this.#chain = this.#attaching.catch(() => undefined);
    return this.#attaching;
  }

  /** Waits for an attach in progress (relayed batches must land after the seed). */
  async settled(): Promise<void> {
    await this.#attaching?.catch(() => undefined);
  }

  /**
   * Detaches unless the leaf has streams again (called LEAF_IDLE_MS after its last stream left, from
   * the leaf's alarm: a timer would keep the object busy).
   */
  leave(hasStreams: () => boolean): void {
    if (!this.#name || hasStreams() || !this.#attached) return;
    const name = this.#name;
    this.#attached = false;
    this.#chain = this.#chain.then(() => this.#root().detach(name)).catch(() => undefined);
  }
}
