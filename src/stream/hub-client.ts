/** The Worker's side of the hub: which hub to use, handing it published events, and opening a stream on it. */
import type { StoredEvent } from "../events/store";
import { getConfig } from "../config";
import { AppError } from "../http/errors";
import { randomToken } from "../lib/crypto";
import { stableHash } from "../lib/stable-hash";
import { type EventHub, ROOT_HUB, type StreamRequest } from "./event-hub";
import { ListenerSummary } from "./listeners";

/** The root hub's name: every hand-off goes there (docs/STREAMING.md, the hub tree). */
export const HUB_NAME = ROOT_HUB;
/** Leaves a stream may be tried on before the gateway answers 503 (N × this many streams in all). */
export const MAX_LEAVES = 1024;
/** Hand-off attempts before an event is given up on for live streams (it stays in D1 for replay). */
const HANDOFF_ATTEMPTS = 3;

/** The stub of the root hub. */
export function hubStub(env: Env): DurableObjectStub<EventHub> {
  return env.EVENT_HUB.getByName(HUB_NAME);
}

/** The name of leaf `index`. */
export const leafName = (index: number) => `hub-leaf-${index}`;

/** The stub of leaf `index`. */
export function leafStub(env: Env, index: number): DurableObjectStub<EventHub> {
  return env.EVENT_HUB.getByName(leafName(index));
}

/** How long an isolate gathers hand-offs before sending them to the hub in one call. */
export const HANDOFF_GATHER_MS = 2;

/** The isolate's hand-off being gathered: its events (in publish order), and whether it has been sent. */
let gathering: { events: StoredEvent[]; sent: boolean } | null = null;

/** What the root last said about listeners: while it said "nobody" (for a second), hand-offs are skipped. */
const listeners = new ListenerSummary();

/**
 * Gives stored events to the hub for live fan-out. Hand-offs made by the isolate's concurrent
 * publishes within HANDOFF_GATHER_MS go to the hub together, as one call. Every contributor arms
 * its own timer in its own request, and the first to fire sends the group: no request's events
 * wait on another request's context (a finished request's timers may run late). Meant for
 * `ctx.waitUntil`: it never throws, retries a failed call (the hub ignores ids it already has),
 * and logs when it gives up.
 */
export function handToHub(env: Env, events: StoredEvent[]): Promise<void> {
  // Nobody streams: the events are in D1, and a stream that opens now starts after this skip ends.
  if (events.length === 0 || listeners.skips(Date.now())) return Promise.resolve();
  const group = (gathering ??= { events: [], sent: false });
  group.events.push(...events);
  return new Promise((resolve) => setTimeout(resolve, HANDOFF_GATHER_MS)).then(() => {
    if (group.sent) return;
    group.sent = true;
    if (gathering === group) gathering = null;
    return sendToHub(env, group.events);
  });
}

async function sendToHub(env: Env, events: StoredEvent[]): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= HANDOFF_ATTEMPTS; attempt++) {
    try {
      listeners.learn(await hubStub(env).publish(events));
      return;
    } catch (error) {
      lastError = error;
      if (attempt < HANDOFF_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
  console.error(
    JSON.stringify({
      level: "error",
      where: "handToHub",
      events: events.map((e) => e.id),
      error: lastError instanceof Error ? lastError.message : String(lastError),
    }),
  );
}

/**
 * Opens a stream on a leaf (an RPC returning the stream's bytes); the response body is the event
 * stream. The stream's leaf is a stable hash of a fresh stream id over STREAM_HUB_LEAVES leaves; a full
 * leaf (STREAM_LEAF_CAPACITY streams) answers null and the next one is tried.
 */
export async function openHubStream(env: Env, request: StreamRequest): Promise<Response> {
  const { leaves, leafCapacity } = getConfig(env).stream;
  const first = stableHash(randomToken(12)) % leaves;
  for (let probe = 0; probe < MAX_LEAVES; probe++) {
    const index = (first + probe) % MAX_LEAVES;
    const body = await leafStub(env, index).open({ ...request, leaf: leafName(index), capacity: leafCapacity });
    if (body) return new Response(body);
  }
  throw new AppError("SERVICE_UNAVAILABLE", "Every event-stream hub is full; retry shortly", { retryAfter: 5 });
}
