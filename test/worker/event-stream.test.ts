// GET /events through the real Worker and EventHub: auth and bad parameters, live fan-out, filters,
// since and Last-Event-ID replay across the seam, slow-client drop and cleanup of gone clients.
import { createExecutionContext, evictDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { toWireEvent, type StoredEvent } from "../../src/events/store";
import { publishAll, type PublishInput } from "../../src/publish";
import { hubStub, leafStub } from "../../src/stream/hub-client";
import { ADMIN_TOKEN, BASE, call, createToken } from "./helpers";
import { SseReader, type SseFrame } from "./sse-reader";
import { customEventType } from "../../src/events/types";

/** A publish input whose tenant defaults to `default` (the admin stream these tests open spans every tenant). */
type Input = Omit<PublishInput, "tenantId"> & { tenantId?: string };

async function publishEvents(inputs: Input[]): Promise<StoredEvent[]> {
  const ctx = createExecutionContext();
  const events = await publishAll(env, ctx, inputs.map((input) => ({ tenantId: "default", ...input })));
  await waitOnExecutionContext(ctx);
  return events;
}

function inputs(type: string, count: number, tag = "t"): Input[] {
  return Array.from({ length: count }, (_, i) => ({ type: customEventType(type), data: { n: i, tag } }));
}

async function open(query = "", headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(
    new Request(`${BASE}/events${query}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: "text/event-stream", ...headers } }),
  );
  expect(res.status).toBe(200);
  const reader = new SseReader(res.body!);
  const first = await reader.next();
  expect(first?.retry).toBeGreaterThan(0);
  return { res, reader };
}

async function waitForStreams(count: number) {
  for (let i = 0; i < 200; i++) {
    if ((await leafStub(env, 0).stats()).streams === count) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`hub still has ${(await leafStub(env, 0).stats()).streams} streams, wanted ${count}`);
}

/** Restarts the root hub and leaf 0 (each woken first: only a running object can be evicted). */
async function restartHubs() {
  for (const stub of [hubStub(env), leafStub(env, 0)]) {
    await stub.stats();
    await evictDurableObject(stub);
  }
}

const ids = (frames: SseFrame[]) => frames.map((f) => f.id);

describe("GET /events refusals", () => {
  it("refuses a request without credentials with the JSON envelope", async () => {
    const res = await call("/events", { token: null });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ success: false, code: "UNAUTHORIZED" });
  });

  it("refuses a token without the events scope", async () => {
    const { key } = await createToken(["task"]);
    const res = await call("/events", { token: key });
    expect(res.status).toBe(403);
    expect(res.json.code).toBe("FORBIDDEN");
  });

  it.each([["since=yesterday"], ["since=10x"], ["since=2025-13-45T00:00:00Z"], ["since="]])("refuses %s with SCHEMA_VALIDATION_ERROR", async (query) => {
    const res = await call(`/events?${query}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code: "SCHEMA_VALIDATION_ERROR", details: { field: "since" } });
  });

  it.each([["filter=task;drop"], ["filter=task%20created"], ["filter=a..b"], ["filter=*.task"]])("refuses %s with SCHEMA_VALIDATION_ERROR", async (query) => {
    const res = await call(`/events?${query}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "filter" } });
  });

  it("refuses a malformed Last-Event-ID", async () => {
    const res = await call("/events", { headers: { "Last-Event-ID": "not-an-event" } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "last-event-id" } });
  });
});

describe("GET /events streaming", () => {
  it("answers text/event-stream with retry advice, then delivers published events live", async () => {
    // Filtered to the two types published here: api.key.created of an earlier test's token may still be on
    // its way (a SELF request's waitUntil work runs late in the pool), and live means "from now", not "only new".
    const { res, reader } = await open("?filter=task.created,notify.sent");
    expect(res.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("Cache-Control")).toContain("no-cache");
    expect(res.headers.get("X-Request-ID")).toMatch(/^req-/);
    const published = await publishEvents([
      { type: "task.created", data: { taskId: "task-1", title: "hello" } },
      { type: "notify.sent", data: { notifId: "notif-1" }, metadata: { source: "test" } },
    ]);
    const got = await reader.events(2);
    expect(got.map((f) => [f.id, f.event])).toEqual(published.map((e) => [e.id, e.type]));
    expect(got.map((f) => JSON.parse(f.data!))).toEqual(published.map(toWireEvent));
    await reader.cancel();
  });

  it("sends only events whose type matches the filter", async () => {
    const { reader } = await open("?filter=task,github.push");
    const published = await publishEvents([
      { type: "notify.sent", data: {} },
      { type: "task.created", data: {} },
      { type: customEventType("taskforce.created"), data: {} },
      { type: "github.push", data: {} },
      { type: "github.issues", data: {} },
      { type: "task.completed", data: {} },
    ]);
    const got = await reader.events(3);
    expect(ids(got)).toEqual([published[1]!.id, published[3]!.id, published[5]!.id]);
    await reader.cancel();
  });

  it("replays stored events from `since` in publish order, then goes live", async () => {
    const before = await publishEvents(inputs("since.test", 3));
    const { reader } = await open("?since=5m&filter=since");
    const replayed = await reader.events(3);
    expect(ids(replayed)).toEqual(before.map((e) => e.id));
    const [live] = await publishEvents(inputs("since.test", 1, "live"));
    expect(ids(await reader.events(1))).toEqual([live!.id]);
    await reader.cancel();
  });

  it("replays from the hub's ring when it still holds the events, then goes live", async () => {
    const stored = await publishEvents(inputs("ring.test", 5));
    const { reader } = await open("?filter=ring&since=1m");
    expect(ids(await reader.events(5))).toEqual(stored.map((e) => e.id));
    const [live] = await publishEvents(inputs("ring.test", 1, "live"));
    expect(ids(await reader.events(1))).toEqual([live!.id]);
    await reader.cancel();
  });

  it("resumes after Last-Event-ID with exactly the events published meanwhile", async () => {
    const { reader } = await open("?filter=resume");
    const first = await publishEvents(inputs("resume.test", 2));
    expect(ids(await reader.events(2))).toEqual(first.map((e) => e.id));
    await reader.cancel();
    const meanwhile = await publishEvents(inputs("resume.test", 3, "meanwhile"));
    const again = await open("?filter=resume&since=1d", { "Last-Event-ID": first[1]!.id });
    const later = await publishEvents(inputs("resume.test", 1, "later"));
    expect(ids(await again.reader.events(4))).toEqual([...meanwhile, ...later].map((e) => e.id));
    await again.reader.cancel();
  });

  it("resumes from D1 when the hub has forgotten the cursor (restarted hub)", async () => {
    const first = await publishEvents(inputs("restart.test", 2));
    const meanwhile = await publishEvents(inputs("restart.test", 2, "meanwhile"));
    await restartHubs();
    expect((await hubStub(env).stats()).ringSize).toBe(0);
    expect((await leafStub(env, 0).stats()).ringSize).toBe(0);
    const { reader } = await open("?filter=restart", { "Last-Event-ID": first[1]!.id });
    expect(ids(await reader.events(2))).toEqual(meanwhile.map((e) => e.id));
    const [live] = await publishEvents(inputs("restart.test", 1, "live"));
    expect(ids(await reader.events(1))).toEqual([live!.id]);
    await reader.cancel();
  });

  it("replays many pages from D1 while events are published concurrently: each event exactly once", async () => {
    const stored = await publishEvents(inputs("seam.test", 450));
    // Fresh hubs (root and leaf) know none of them: all come from D1, page by page.
    await restartHubs();
    const res = exports.default.fetch(new Request(`${BASE}/events?since=1h&filter=seam`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: "text/event-stream" } }));
    const concurrent = Promise.all(Array.from({ length: 10 }, (_, i) => publishEvents(inputs("seam.test", 5, `c${i}`))));
    const reader = new SseReader((await res).body!);
    const during = (await concurrent).flat();
    const expected = [...stored, ...during].map((e) => e.id);
    const got = ids(await reader.events(expected.length));
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort()).toEqual([...expected].sort());
    // stored history arrives in id order, and nothing else follows
    expect(got.slice(0, stored.length)).toEqual(stored.map((e) => e.id));
    const [marker] = await publishEvents(inputs("seam.test", 1, "marker"));
    expect(ids(await reader.events(1))).toEqual([marker!.id]);
    await reader.cancel();
  });

  it("removes a stream promptly when its client goes away", async () => {
    await waitForStreams(0);
    const a = await open();
    const b = await open();
    await waitForStreams(2);
    await a.reader.cancel();
    await waitForStreams(1);
    await b.reader.cancel();
    await waitForStreams(0);
  });

  it("gives a reader two events each larger than the backlog limit, back to back, without dropping it", async () => {
    await waitForStreams(0);
    const res = await exports.default.fetch(new Request(`${BASE}/events?filter=huge`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: "text/event-stream" } }));
    await waitForStreams(1);
    // STREAM_MAX_QUEUED_BYTES is 1 MB: each frame alone passes it; neither has been read when the next arrives.
    const big = "y".repeat(1_300_000);
    await publishEvents([{ type: customEventType("huge.one"), data: { big } }]);
    await publishEvents([{ type: customEventType("huge.two"), data: { big } }]);
    const reader = new SseReader(res.body!);
    const seen: string[] = [];
    while (seen.length < 2) {
      const frame = await reader.next();
      if (!frame) break;
      expect(frame.comments.join(" ")).not.toMatch(/dropped/);
      if (frame.data !== undefined) {
        expect(JSON.parse(frame.data).data.big).toHaveLength(big.length);
        seen.push(frame.event!);
      }
    }
    expect(seen).toEqual(["huge.one", "huge.two"]);
    await reader.cancel();
    await waitForStreams(0);
  });

  it("drops a client that does not read, with a final comment, instead of buffering without bound", async () => {
    await waitForStreams(0);
    const res = await exports.default.fetch(new Request(`${BASE}/events?filter=slow`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: "text/event-stream" } }));
    await waitForStreams(1);
    const big = "x".repeat(64 * 1024);
    for (let i = 0; i < 64; i++) await publishEvents([{ type: customEventType("slow.test"), data: { i, big } }]);
    await waitForStreams(0);
    const reader = new SseReader(res.body!);
    const frames: SseFrame[] = [];
    while (!reader.ended || frames.length === 0) {
      const frame = await reader.next();
      if (!frame) break;
      frames.push(frame);
    }
    const events = frames.filter((f) => f.data !== undefined);
    expect(events.length).toBeLessThan(64);
    expect(frames.at(-1)!.comments.join(" ")).toMatch(/^dropped: client too slow/);
  });
});
