/** Following the gateway's live event stream (SSE) through the typed client, reconnecting with Last-Event-ID. */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { apiErrorOf, type CommandContext } from "./context.js";

/** One event from the stream. */
export interface StreamEvent {
  id: string;
  type: string;
  /** The `data:` line: the event's JSON body exactly as the gateway sent it. */
  data: string;
}

/** Options of followEvents. */
export interface FollowOptions {
  /** Event types or prefixes, comma-separated (`?filter=`). */
  filter?: string;
  /** Replay from this time on the first connection (`?since=`); later ones resume with Last-Event-ID. */
  since?: string;
  /** Handles one event; the next is read only after it resolves, so events are handled in order. */
  onEvent: (event: StreamEvent) => Promise<void>;
  /** Told each time the stream is open (the first time: live from here on). */
  onOpen?: (reconnect: boolean) => void;
  /** Told when the stream dropped and a reconnect is due (after the last event handled). */
  onDrop?: (lastEventId: string | undefined, delayMs: number, reason: string) => void;
  /** Ends following; resolves the promise. */
  signal: AbortSignal;
}

/** An onDrop that tells the user on stderr what dropped and where the stream resumes. */
export function reportDrop(ctx: CommandContext): NonNullable<FollowOptions["onDrop"]> {
  return (last, ms, reason) => ctx.io.stderr.write(`stream dropped (${reason}); resuming after ${last ?? "the start"} in ${ms} ms\n`);
}

/** Delay before the first reconnect unless the server's `retry:` says otherwise; doubled up to MAX. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Follows `GET /events` until the signal aborts. Every reconnect sends `Last-Event-ID` of the last
 * event handled, so the gateway replays what was missed: nothing lost, nothing twice. An API error
 * that retrying cannot cure (401, 403, 400) is thrown; 429, 5xx and network errors are retried.
 */
export async function followEvents(ctx: CommandContext, options: FollowOptions): Promise<void> {
  const { signal } = options;
  let lastEventId: string | undefined;
  let baseDelay = FIRST_DELAY_MS;
  let delay = baseDelay;
  let opened = false;
  while (!signal.aborted) {
    let reason = "the stream ended";
    try {
      const result = await ctx.client.GET("/webhooks/v2/events", {
        params: {
          query: { filter: options.filter, since: lastEventId ? undefined : options.since },
          header: lastEventId ? { "last-event-id": lastEventId } : undefined,
        },
        headers: { Accept: "text/event-stream" },
        parseAs: "stream",
        signal,
      });
      if (!result.response.ok) {
        const error = apiErrorOf(result.error, result.response);
        if (result.response.status !== 429 && result.response.status < 500) throw error;
        reason = `${error.message} (${error.code})`;
      } else if (result.data) {
        delay = baseDelay;
        options.onOpen?.(opened);
        opened = true;
        const events: EventSourceMessage[] = [];
        const parser = createParser({
          onEvent: (e) => events.push(e),
          onRetry: (ms) => (baseDelay = Math.min(Math.max(ms, 100), MAX_DELAY_MS)),
        });
        const decoder = new TextDecoder();
        for await (const chunk of result.data as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          for (const e of events.splice(0)) {
            if (!e.id) continue;
            await options.onEvent({ id: e.id, type: e.event ?? "message", data: e.data });
            lastEventId = e.id;
          }
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if ((error as Error).name === "ApiError") throw error;
      reason = (error as Error).message;
    }
    if (signal.aborted) return;
    options.onDrop?.(lastEventId, delay, reason);
    await sleep(delay, signal);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
