/** Server-Sent Events framing (pure): event frames, comments, retry advice and the response headers. */

/** Headers of every event-stream response; `no-transform` keeps proxies from buffering or compressing it. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
};

/** One event as it goes on the wire. */
export interface SseEvent {
  id?: string;
  event?: string;
  /** The payload; each line becomes its own `data:` line so embedded newlines survive. */
  data: string;
}

/** Field values may not contain line breaks (they would end the field early). */
function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

/** The frame for an event: `id:`, `event:`, one `data:` line per payload line, and the blank line that dispatches it. */
export function formatEvent(event: SseEvent): string {
  let frame = "";
  if (event.id !== undefined) frame += `id: ${singleLine(event.id)}\n`;
  if (event.event !== undefined) frame += `event: ${singleLine(event.event)}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** A comment frame (`: text`), one comment line per line of text; clients ignore it, proxies see traffic. */
export function formatComment(text: string): string {
  return `${text
    .split(/\r\n|\r|\n/)
    .map((line) => (line ? `: ${line}` : ":"))
    .join("\n")}\n\n`;
}

/** The reconnection advice frame: clients wait `ms` before reconnecting. */
export function formatRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}
