/** One open event stream inside the hub: the writable end of the client's response, byte accounting and slow-client drop. */
import type { CatchUp } from "./catch-up";
import type { RingEvent } from "./ring";
import { formatComment } from "./sse";

const ENCODER = new TextEncoder();

/** One buffer holding the chunks in order. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** An event as the hub holds it: enough to filter, order and send it, with its frame encoded once. */
export interface HubEvent extends RingEvent {
  frame: Uint8Array;
}

/** Options for StreamConnection. */
export interface StreamConnectionOptions {
  /** The stream's filter (its tenant and types): nothing else is framed for the stream. */
  matches: (event: RingEvent) => boolean;
  /** Bytes written but not yet taken by the client beyond which the client counts as too slow. */
  maxQueuedBytes: number;
  /** How long a dropped client gets to take its final comment before the stream is aborted. */
  dropGraceMs: number;
  /** Called once when the stream ends for any reason (client gone, dropped). */
  onEnd: (connection: StreamConnection) => void;
  now?: () => number;
}

/**
 * The hub's side of one stream. Writes are never awaited on the fan-out path: the bytes a client
 * has not taken yet are counted, and past the limit the client is dropped with a final comment.
 */
export class StreamConnection {
  readonly readable: ReadableStream<Uint8Array>;
  /** Set while the stream catches up from the store, and a little after (see CatchUp). */
  catchUp: CatchUp<HubEvent> | null = null;
  private readonly writer: WritableStreamDefaultWriter<ArrayBuffer | ArrayBufferView>;
  private readonly options: StreamConnectionOptions;
  private readonly now: () => number;
  private queuedBytes = 0;
  private writing = false;
  private waiting: Uint8Array[] = [];
  /** Bytes in `waiting` (the backlog behind the write in flight). */
  private waitingBytes = 0;
  /** Resolvers of sendAndWait calls, run when nothing is left to write. */
  private drained: (() => void)[] = [];
  private ended = false;

  constructor(options: StreamConnectionOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    // A native byte pipe: the runtime moves written bytes to the response without running JS per chunk.
    const { readable, writable } = new IdentityTransformStream();
    this.readable = readable;
    this.writer = writable.getWriter();
    // The native pipe reports a client that went away on the next write (an event or the
    // heartbeat), so a gone client is forgotten within one heartbeat interval.
    this.writer.closed.then(
      () => this.end(),
      () => this.end(),
    );
  }

  /** False once the stream has ended. */
  /** True when nothing is being written or waiting (a heartbeat is only needed then). */
  get idle(): boolean {
    return this.queuedBytes === 0;
  }

  get open(): boolean {
    return !this.ended;
  }

  /**
   * Fan-out entry point for live events (one hand-off, in order): filtered, held back while the
   * stream catches up, else written as one chunk.
   */
  deliver(events: readonly HubEvent[]): void {
    if (this.ended) return;
    const frames: Uint8Array[] = [];
    for (const event of events) {
      if (!this.options.matches(event)) continue;
      const catchUp = this.catchUp;
      if (catchUp) {
        if (!catchUp.active && this.now() > catchUp.expiresAt) this.catchUp = null;
        const outcome = this.catchUp ? catchUp.offer(event) : "send";
        if (outcome === "overflow") return this.drop("too many events arrived while replaying; reconnect with Last-Event-ID");
        if (outcome !== "send") continue;
      }
      frames.push(event.frame);
    }
    if (frames.length === 1) this.send(frames[0]!);
    else if (frames.length > 1) this.send(concatBytes(frames));
  }

  /** Writes bytes without waiting; drops the client when its backlog passes the limit. */
  send(bytes: Uint8Array): void {
    if (this.ended) return;
    // The frame being written is not backlog, and one waiting frame may be of any size (a large
    // event); beyond that the backlog may not grow past the limit.
    if (this.waitingBytes > 0 && this.waitingBytes + bytes.byteLength > this.options.maxQueuedBytes) {
      return this.drop("client too slow; events were not taken fast enough, reconnect with Last-Event-ID");
    }
    this.queuedBytes += bytes.byteLength;
    // One write in flight at a time: what arrives meanwhile goes out together as one chunk, so a
    // busy pipe gets fewer, larger chunks and an idle one gets each frame at once.
    if (this.writing) {
      this.waiting.push(bytes);
      this.waitingBytes += bytes.byteLength;
    } else this.write(bytes);
  }

  private write(bytes: Uint8Array): void {
    this.writing = true;
    this.writer.write(bytes).then(
      () => {
        this.queuedBytes -= bytes.byteLength;
        this.writing = false;
        if (this.waiting.length && !this.ended) {
          const next = this.waiting.length === 1 ? this.waiting[0]! : concatBytes(this.waiting);
          this.waiting = [];
          this.waitingBytes = 0;
          this.write(next);
        } else this.wakeDrained();
      },
      () => this.end(),
    );
  }

  /** Writes text and waits until the client has taken it (replay pacing); false when the stream ended. */
  async sendAndWait(text: string): Promise<boolean> {
    if (this.ended) return false;
    this.send(ENCODER.encode(text));
    if (this.queuedBytes > 0 && !this.ended) await new Promise<void>((resolve) => this.drained.push(resolve));
    return !this.ended;
  }

  /** Ends the stream with a final comment; the client gets `dropGraceMs` to take it before the stream is aborted. */
  drop(reason: string): void {
    if (this.ended) return;
    this.end();
    const writer = this.writer;
    writer.write(ENCODER.encode(formatComment(`dropped: ${reason}`))).catch(() => undefined);
    writer.close().catch(() => undefined);
    const timer = setTimeout(() => writer.abort("dropped").catch(() => undefined), this.options.dropGraceMs);
    writer.closed.finally(() => clearTimeout(timer)).catch(() => undefined);
  }

  private wakeDrained(): void {
    const resolvers = this.drained;
    this.drained = [];
    for (const resolve of resolvers) resolve();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.catchUp = null;
    this.waiting = [];
    this.wakeDrained();
    this.options.onEnd(this);
  }
}
