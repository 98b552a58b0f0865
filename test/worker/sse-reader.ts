// Test helper: reads a raw text/event-stream body into events and comments, frame by frame.
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
  comments: string[];
}

/** Incremental reader over a Response body that yields whole frames (blank-line separated). */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** The next frame, or null when the stream ends. */
  async next(): Promise<SseFrame | null> {
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end >= 0) {
        const raw = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return parseFrame(raw);
      }
      if (this.ended) return null;
      const { value, done } = await this.reader.read();
      if (done) this.ended = true;
      else this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** Frames until `predicate` holds for one (returned last); throws when the stream ends first. */
  async until(predicate: (frame: SseFrame) => boolean, seen: SseFrame[] = []): Promise<SseFrame[]> {
    for (;;) {
      const frame = await this.next();
      if (!frame) throw new Error(`stream ended before the expected frame; saw ${JSON.stringify(seen)}`);
      seen.push(frame);
      if (predicate(frame)) return seen;
    }
  }

  /** The next `count` event frames (comments and retry frames skipped, but kept in `seen`). */
  async events(count: number, seen: SseFrame[] = []): Promise<SseFrame[]> {
    const events: SseFrame[] = [];
    while (events.length < count) {
      const [frame] = (await this.until((f) => f.data !== undefined, [])).slice(-1);
      events.push(frame!);
      seen.push(frame!);
    }
    return events;
  }

  /** Cancels the body (the client going away). */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

/** Parses one frame's lines per the SSE field rules. */
export function parseFrame(raw: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of raw.split("\n")) {
    if (line.startsWith(":")) {
      frame.comments.push(line.slice(1).trimStart());
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") frame.id = value;
    else if (field === "event") frame.event = value;
    else if (field === "data") frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === "retry") frame.retry = Number(value);
  }
  return frame;
}
