// The hub tree through the real Worker and EventHub objects: streams spread over leaves of at most N, every
// leaf gets the root's events in the root's order, and a resume on another leaf is exact.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { StoredEvent } from "../../src/events/store";
import { customEventType } from "../../src/events/types";
import { publishAll } from "../../src/publish";
import { hubStub, leafName, leafStub } from "../../src/stream/hub-client";
import { ADMIN_TOKEN, BASE } from "./helpers";
import { SseReader } from "./sse-reader";

const CAPACITY = 2;
const vars = { STREAM_LEAF_CAPACITY: String(CAPACITY), STREAM_HUB_LEAVES: "1" };
const app = createApp();

async function open(headers: Record<string, string> = {}) {
  const res = await app.fetch(
    new Request(`${BASE}/events?filter=tree`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: "text/event-stream", ...headers } }),
    { ...env, ...vars },
    createExecutionContext(),
  );
  expect(res.status).toBe(200);
  const reader = new SseReader(res.body!);
  expect((await reader.next())?.retry).toBeGreaterThan(0);
  return reader;
}

async function publish(count: number, tag: string): Promise<StoredEvent[]> {
  const ctx = createExecutionContext();
  const events = await publishAll({ ...env, ...vars } as Env, ctx, Array.from({ length: count }, (_, i) => ({ type: customEventType("tree.test"), data: { i, tag }, tenantId: "default" })));
  await waitOnExecutionContext(ctx);
  return events;
}

describe("hub tree", () => {
  it("puts at most N streams on a leaf, relays every event to every leaf, and resumes exactly on another leaf", async () => {
    const readers = [];
    for (let i = 0; i < 5; i++) readers.push(await open());
    const perLeaf = await Promise.all([0, 1, 2].map(async (i) => (await leafStub(env, i).stats()).streams));
    expect(perLeaf).toEqual([2, 2, 1]);
    expect((await hubStub(env).stats()).leaves.sort()).toEqual([leafName(0), leafName(1), leafName(2)]);

    const events = await publish(4, "live");
    const expected = events.map((e) => e.id);
    for (const reader of readers) {
      const frames = await reader.events(4);
      expect(frames.map((f) => f.id)).toEqual(expected);
      expect(frames.map((f) => JSON.parse(f.data!).data.tag)).toEqual(["live", "live", "live", "live"]);
    }

    // A client resumes after the 2nd event on whichever leaf has room; every leaf's ring (loaded from the
    // root when it attached, then fed by relays in the root's order) knows the cursor.
    await readers[0]!.cancel();
    const resumed = await open({ "Last-Event-ID": expected[1]! });
    expect((await resumed.events(2)).map((f) => f.id)).toEqual(expected.slice(2));
    const [later] = await publish(1, "later");
    expect((await resumed.events(1)).map((f) => f.id)).toEqual([later!.id]);

    // The root holds the ring; every leaf holds the same events in the same order.
    const rings = await Promise.all([hubStub(env), leafStub(env, 0), leafStub(env, 1), leafStub(env, 2)].map(async (stub) => (await stub.stats()).ringSize));
    expect(new Set(rings)).toEqual(new Set([5]));
    for (const reader of [...readers.slice(1), resumed]) await reader.cancel();
  });
});
