/** EventHub Durable Object: open SSE streams, a ring of recent events, and fan-out of published events. */
import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../config";
import { listEvents, toWireEvent, type StoredEvent } from "../events/store";
import { CatchUp, planCatchUp, type StreamCursor } from "./catch-up";
import { StreamConnection, type HubEvent } from "./connection";
import { matchesFilter } from "./params";
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

/** What the route asks the hub for: the filter patterns and where to start. */
export interface StreamRequest {
  patterns: string[];
  cursor: StreamCursor;
}

/** A snapshot of the hub for tests, benchmarks and health checks. */
export interface HubStats {
  streams: number;
  replaying: number;
  ringSize: number;
  published: number;
  heartbeatMs: number;
}

/** The SSE frame of a stored event: `id`, `event` = type, `data` = the outbound delivery body. */
export function eventFrame(event: StoredEvent): string {
  return formatEvent({ id: event.id, event: event.type, data: JSON.stringify(toWireEvent(event)) });
}

/** One hub per shard (one to start with): every open stream of the shard lives here. */
export class EventHub extends DurableObject<Env> {
  private readonly ring = new EventRing<HubEvent>({ capacity: RING_CAPACITY, rememberMs: HANDOFF_WINDOW_MS });
  private readonly bootAt = Date.now();
  private readonly streams = new Set<StreamConnection>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private published = 0;

  /** Liveness probe. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  /**
   * Opens a stream. Registration, the catch-up plan and (for a cursor still in the ring) the
   * whole catch-up happen in one synchronous turn, so no publish can slip in between.
   */
  async open({ patterns, cursor }: StreamRequest): Promise<ReadableStream<Uint8Array>> {
    const config = getConfig(this.env).stream;
    const matches = (type: string) => matchesFilter(patterns, type);
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
      for (const entry of plan.entries) if (matches(entry.event.type)) connection.send(entry.event.frame);
    } else if (plan.kind === "store") {
      const catchUp = new CatchUp<HubEvent>(plan.entries, {
        matches,
        maxBuffered: MAX_BUFFERED_WHILE_REPLAYING,
        registeredAt: Date.now(),
        bootAt: this.bootAt,
        handoffWindowMs: HANDOFF_WINDOW_MS,
        hasArrived: (id) => this.ring.hasArrived(id),
      });
      connection.catchUp = catchUp;
      this.ctx.waitUntil(this.replay(connection, catchUp, plan.query));
    }
    return connection.readable;
  }

  /**
   * Takes the events of one publish (in publish order) and fans each out once to every matching
   * stream, one write per stream. Returns how many were new (a retried hand-off repeats none).
   */
  async publish(events: StoredEvent[]): Promise<number> {
    const now = Date.now();
    const fresh: HubEvent[] = [];
    for (const stored of events) {
      const event: HubEvent = { id: stored.id, type: stored.type, createdAt: stored.createdAt, frame: ENCODER.encode(eventFrame(stored)) };
      if (this.ring.push(event, now)) fresh.push(event);
    }
    if (fresh.length) for (const stream of this.streams) stream.deliver(fresh);
    this.published += fresh.length;
    return fresh.length;
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
    };
  }

  /** Sends stored events from D1 page by page at the client's pace, then the ring part and the buffer. */
  private async replay(connection: StreamConnection, catchUp: CatchUp<HubEvent>, query: { afterId?: string; sinceMs?: number }): Promise<void> {
    let afterId = query.afterId;
    try {
      for (;;) {
        const page = await listEvents(this.env, { afterId, sinceMs: query.sinceMs, limit: REPLAY_PAGE_SIZE });
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
  }
}
