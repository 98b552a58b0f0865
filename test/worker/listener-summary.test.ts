// The listener summary through the real Worker and EventHub objects: with no stream the root says
// "nobody" and the isolate skips its hand-offs for a while; a stream opened meanwhile still gets every
// event published after it opened; and a resume across a time of skipped hand-offs replays them from D1.
import { createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/events/store";
import { customEventType } from "../../src/events/types";
import { publishAll } from "../../src/publish";
import { hubStub, leafStub } from "../../src/stream/hub-client";
import { LISTENER_SUMMARY_TTL_MS } from "../../src/stream/listeners";
import { ADMIN_TOKEN, BASE } from "./helpers";
import { SseReader } from "./sse-reader";

async function publish(tag: string): Promise<StoredEvent> {
  const ctx = createExecutionContext();
  const [event] = await publishAll(env, ctx, [{ type: customEventType("listen.test"), data: { tag }, tenantId: "default" }]);
  await waitOnExecutionContext(ctx);
  return event!;
}

async function open(headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(
    new Request(`${BASE}/events?filter=listen.*`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: "text/event-stream", ...headers } }),
  );
  expect(res.status).toBe(200);
  const reader = new SseReader(res.body!);
  expect((await reader.next())?.retry).toBeGreaterThan(0);
  return reader;
}

const published = async () => (await hubStub(env).stats()).published;

async function leafEmpty() {
  for (let i = 0; i < 200 && (await leafStub(env, 0).stats()).streams > 0; i++) await new Promise((r) => setTimeout(r, 25));
  expect((await leafStub(env, 0).stats()).streams).toBe(0);
}

describe("the listener summary", () => {
  it("skips hand-offs while nobody listens, and a stream opened meanwhile gets every later event", async () => {
    const before = await published();
    await publish("first"); // handed off; the root answers "nobody"
    await publish("skipped"); // within the TTL: not handed off
    expect((await published()) - before).toBe(1);

    const opened = Date.now();
    const reader = await open();
    // The stream registers only once no isolate can still be skipping (the "nobody" answer's TTL).
    expect(Date.now() - opened).toBeGreaterThanOrEqual(LISTENER_SUMMARY_TTL_MS - 100);
    const live = await publish("live");
    const [frame] = await reader.events(1);
    expect(frame!.id).toBe(live.id);
    await reader.cancel();
  });

  it("a resume across a time of skipped hand-offs replays the skipped events from D1, in order, once", async () => {
    // Listening, with nobody skipping: the stream registers and takes a live event.
    const first = await open();
    const cursor = await publish("before the gap");
    expect((await first.events(1))[0]!.id).toBe(cursor.id);
    await first.cancel();
    await leafEmpty();
    // The leaf's idle alarm detaches it: the tree is empty, the next hand-off is answered "nobody".
    expect(await runDurableObjectAlarm(leafStub(env, 0))).toBe(true);
    expect((await hubStub(env).stats()).leaves).toEqual([]);
    const gap = [await publish("gap 1"), await publish("gap 2"), await publish("gap 3")];

    const resumed = await open({ "Last-Event-ID": cursor.id });
    const replayed = await resumed.events(3);
    expect(replayed.map((f) => f.id)).toEqual(gap.map((e) => e.id));
    const after = await publish("after");
    expect((await resumed.events(1))[0]!.id).toBe(after.id);
    await resumed.cancel();
  });
});
