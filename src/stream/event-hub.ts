/** EventHub Durable Object: the hub tree's root (ring, relays to leaves) and its leaves (open SSE streams, a copy of the ring, fan-out). */
import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../config";
import { listEvents, toWireEvent, type StoredEvent } from "../events/store";
import { CatchUp, planCatchUp, type StreamCursor } from "./catch-up";
import { StreamConnection, type HubEvent } from "./connection";
import { LEAF_IDLE_MS, LeafMembership, LeafRelays, NobodyTold, type RootSeed } from "./hub-tree";
import type { HandOffAnswer } from "./listeners";
import { streamMatcher } from "./params";
import { EventRing } from "./ring";
import { formatComment, formatEvent, formatRetry } from "./sse";

/** Recent events the hub remembers in arrival order (the exact-resume window). */
export const RING_CAPACITY = 4096;
/** Stored events read per D1 query while replaying. */
export const REPLAY_PAGE_SIZE = 200;
/** Live events one stream may hold back while it replays before it is dropped. */
export const MAX_BUFFERED_WHILE_REPLAYING = 10_000;
/** Longest commit-to-hub hand-off assumed (waitUntil ends 30 s after the response). */
export const HANDOFF_WINDOW_MS = 60_000;
/** The `retry:` advice sent once at the start of every stream. */
export const RETRY_ADVICE_MS = 3000;
/** How long a dropped client gets to take its final comment. */
export const DROP_GRACE_MS = 5000;

const ENCODER = new TextEncoder();
const PING = ENCODER.encode(formatComment("ping"));

/** What the route asks the hub for: the filter patterns, the stream's tenant and where to start. */
export interface StreamRequest {
  patterns: string[];
  /** Only this tenant's events, live and replayed; null (the admin without X-Tenant-ID) = every tenant's. */
  tenantId: string | null;
  cursor: StreamCursor;
}

/** A stream request addressed to a leaf: its name (to attach to the root) and how many streams it may hold. */
export interface LeafStreamRequest extends StreamRequest {
  leaf: string;
  capacity: number;
}

/** The root hub's name; the Worker hands every published event to it. */
export const ROOT_HUB = "hub-0";

/** A snapshot of the hub for tests, benchmarks and health checks. */
export interface HubStats {
  streams: number;
  replaying: number;
  ringSize: number;
  published: number;
  heartbeatMs: number;
  /** Root: the attached leaves. */
  leaves: string[];
}

/** The SSE frame of a stored event: `id`, `event` = type, `data` = the outbound delivery body. */
export function eventFrame(event: StoredEvent): string {
  return formatEvent({ id: event.id, event: event.type, data: JSON.stringify(toWireEvent(event)) });
}

const newRing = () => new EventRing<HubEvent>({ capacity: RING_CAPACITY, rememberMs: HANDOFF_WINDOW_MS });

/**
 * One class, two roles. The root (`hub-0`) takes every hand-off, frames each event once, keeps the
 * ring and relays the fresh events (frames included) to the attached leaves. A leaf (`hub-leaf-<i>`)
 * holds at most N streams, keeps a copy of the root's ring (loaded when it attaches, then fed by the
 * relays, so in the root's order) and does the fan-out and the catch-up of its streams.
 */
export class EventHub extends DurableObject<Env> {
  private ring = newRing();
  /**
   * Events made before this may be missing from the ring: the object's boot, or the end of a time
   * when isolates skipped their hand-offs (docs/STREAMING.md, the listener summary).
   */
  private epoch = Date.now();
  private readonly streams = new Set<StreamConnection>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private published = 0;
  private readonly leaves: LeafRelays;
  private readonly membership: LeafMembership;
  private readonly nobody: NobodyTold;
  /** Streams waiting for the epoch before they register: they count as listening. */
  private opening = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.leaves = new LeafRelays(ctx.storage.sql, (name) => env.EVENT_HUB.getByName(name));
    this.nobody = new NobodyTold(ctx.storage.sql);
    this.membership = new LeafMembership(
      () => env.EVENT_HUB.getByName(ROOT_HUB),
      ({ events, epoch }) => {
        this.restartAt(epoch);
        const now = Date.now();
        for (const event of events) this.ring.push(event, now);
      },
    );
  }

  /** Root: adds a leaf and answers the ring (oldest first) and its epoch for the leaf to start from. */
  async attach(leaf: string): Promise<RootSeed> {
    this.startListening();
    this.leaves.attach(leaf);
    return { events: this.ring.entries().map((entry) => entry.event), epoch: this.epoch };
  }

  /** Whether any stream here or on an attached leaf may want a hand-off. */
  private get listening(): boolean {
    return this.streams.size > 0 || this.opening > 0 || this.leaves.names.length > 0;
  }

  /** Root, before its first stream or leaf: after "nobody" answers, the ring restarts at their epoch. */
  private startListening(): void {
    if (this.listening) return;
    const epoch = this.nobody.reopen();
    if (epoch !== null) this.restartAt(epoch);
  }

  /** Forgets the ring when `epoch` is later than this hub's: events made before it may be missing. */
  private restartAt(epoch: number): void {
    if (epoch <= this.epoch) return;
    this.ring = newRing();
    this.epoch = epoch;
  }

  /** Root: removes a leaf that has had no streams for a while. */
  async detach(leaf: string): Promise<void> {
    this.leaves.detach(leaf);
  }

  /** Leaf: takes a batch relayed by the root (frames already made) and fans it out; -1 when not attached. */
  async relay(events: HubEvent[]): Promise<number> {
    await this.membership.settled();
    if (!this.membership.attached) return -1;
    this.fanOut(events, Date.now());
    return this.streams.size;
  }

  /** Liveness probe. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  /**
   * Opens a stream. Registration, the catch-up plan and (for a cursor still in the ring) the
   * whole catch-up happen in one synchronous turn, so no publish can slip in between.
   */
  async open(request: StreamRequest | LeafStreamRequest): Promise<ReadableStream<Uint8Array> | null> {
    const { patterns, cursor, tenantId } = request;
    if ("leaf" in request) {
      // A full leaf says so and the Worker tries the next one; attaching comes before registering.
      if (this.streams.size >= request.capacity) return null;
      await this.membership.join(request.leaf);
    } else this.startListening();
    // Until the epoch some isolate may still skip its hand-offs: registering then could miss events.
    const wait = this.epoch - Date.now();
    if (wait > 0) {
      this.opening++;
      await new Promise((resolve) => setTimeout(resolve, wait)).finally(() => this.opening--);
    }
    if ("leaf" in request && this.streams.size >= request.capacity) return null;
    const config = getConfig(this.env).stream;
    // The tenant is part of the filter: another tenant's event is never framed or buffered for this stream.
    const matches = streamMatcher(patterns, tenantId);
    const connection = new StreamConnection({
      matches,
      maxQueuedBytes: config.maxQueuedBytes,
      dropGraceMs: DROP_GRACE_MS,
      onEnd: (c) => this.forget(c),
    });
    this.streams.add(connection);
    this.startHeartbeat(config.heartbeatMs);
    connection.send(ENCODER.encode(formatRetry(RETRY_ADVICE_MS)));

    const plan = planCatchUp(this.ring, cursor);
    if (plan.kind === "ring") {
      for (const entry of plan.entries) if (matches(entry.event)) connection.send(entry.event.frame);
    } else if (plan.kind === "store") {
      const catchUp = new CatchUp<HubEvent>(plan.entries, {
        matches,
        maxBuffered: MAX_BUFFERED_WHILE_REPLAYING,
        registeredAt: Date.now(),
        bootAt: this.epoch,
        handoffWindowMs: HANDOFF_WINDOW_MS,
        hasArrived: (id) => this.ring.hasArrived(id),
      });
      connection.catchUp = catchUp;
      this.ctx.waitUntil(this.replay(connection, catchUp, plan.query, tenantId));
    }
    return connection.readable;
  }

  /**
   * Takes the events of one publish (in publish order) and fans each out once to every matching
   * stream, one write per stream. Answers how many were new (a retried hand-off repeats none) and
   * whether anything listens, which the isolate uses to skip hand-offs for a while.
   */
  async publish(events: StoredEvent[]): Promise<HandOffAnswer> {
    const frames = events.map((stored): HubEvent => ({
      id: stored.id,
      type: stored.type,
      createdAt: stored.createdAt,
      tenantId: stored.tenantId,
      frame: ENCODER.encode(eventFrame(stored)),
    }));
    const now = Date.now();
    const fresh = this.fanOut(frames, now);
    if (fresh.length) this.leaves.relay(fresh);
    const listening = this.listening;
    if (!listening) this.nobody.told(now);
    return { accepted: fresh.length, listening, at: now };
  }

  /** Pushes events into the ring and writes the new ones to every matching stream here; returns the new ones. */
  private fanOut(events: HubEvent[], now: number): HubEvent[] {
    const fresh = events.filter((event) => this.ring.push(event, now));
    if (fresh.length) for (const stream of this.streams) stream.deliver(fresh);
    this.published += fresh.length;
    return fresh;
  }

  /** Counts for tests, benchmarks and health. */
  async stats(): Promise<HubStats> {
    let replaying = 0;
    for (const stream of this.streams) if (stream.catchUp?.active) replaying++;
    return {
      streams: this.streams.size,
      replaying,
      ringSize: this.ring.length,
      published: this.published,
      heartbeatMs: getConfig(this.env).stream.heartbeatMs,
      leaves: this.leaves.names,
    };
  }

  /** Sends stored events from D1 page by page at the client's pace, then the ring part and the buffer. */
  private async replay(connection: StreamConnection, catchUp: CatchUp<HubEvent>, query: { afterId?: string; sinceMs?: number }, tenantId: string | null): Promise<void> {
    let afterId = query.afterId;
    try {
      for (;;) {
        const page = await listEvents(this.env, { afterId, sinceMs: query.sinceMs, tenantId, limit: REPLAY_PAGE_SIZE });
        if (!connection.open) return;
        const text = page.events.filter((event) => catchUp.takeStored(event)).map(eventFrame).join("");
        if (text && !(await connection.sendAndWait(text))) return;
        if (page.nextAfterId === null) break;
        afterId = page.nextAfterId;
      }
      // One synchronous turn: the rest is written and the stream is live before any publish runs.
      for (const event of catchUp.finish()) connection.send(event.frame);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", where: "EventHub.replay", error: error instanceof Error ? error.message : String(error) }));
      connection.drop("replay failed; reconnect with Last-Event-ID");
    }
  }

  private startHeartbeat(intervalMs: number): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      // A stream busy writing (a large event to a slow reader) needs no heartbeat, and a ping must not count as backlog.
      for (const stream of this.streams) if (stream.idle) stream.send(PING);
    }, intervalMs);
  }

  private forget(connection: StreamConnection): void {
    this.streams.delete(connection);
    if (this.streams.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
    if (this.streams.size === 0 && this.membership.attached) void this.ctx.storage.setAlarm(Date.now() + LEAF_IDLE_MS);
  }

  /** Leaf: detaches from the root when it has had no streams for LEAF_IDLE_MS. */
  override async alarm(): Promise<void> {
    this.membership.leave(() => this.streams.size > 0);
  }
}
