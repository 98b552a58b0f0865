/** Drops the `event:` lines of an SSE stream, so a browser's EventSource gets every event as a plain message. */

/**
 * A transform over SSE text that removes `event: <name>` fields (line-buffered across chunks).
 * The API names each event by its type; EventSource only hands named events to listeners registered
 * for that exact name, and the live page cannot know every type ahead. Ids, data and comments pass.
 */
export function unnamedEvents(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let rest = "";
  const keep = (line: string) => !line.startsWith("event:");
  return new TransformStream({
    transform(chunk, controller) {
      rest += decoder.decode(chunk, { stream: true });
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      const out = lines.filter(keep).map((line) => `${line}\n`).join("");
      if (out) controller.enqueue(encoder.encode(out));
    },
    flush(controller) {
      rest += decoder.decode();
      if (rest && keep(rest)) controller.enqueue(encoder.encode(rest));
    },
  });
}
