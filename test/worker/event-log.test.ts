// The event log: GET /events as JSON (negotiated by Accept), GET /events/:id with deliveries, and deliverAt on POST /events.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

const DEAD_URL = "http://127.0.0.1:9/hook";

async function publish(type: string, extra: Record<string, unknown> = {}) {
  const res = await call("/events", { body: { type, data: { n: type }, ...extra } });
  expect(res.status, res.text).toBe(201);
  return res.json.data as { id: string; timestamp: string };
}

async function subscribe(events: string[]) {
  const res = await call("/subscriptions", { body: { url: DEAD_URL, events, retryPolicy: { strategy: "fixed", maxRetries: 0, initialDelayMs: 1000, maxDelayMs: 1000 } } });
  expect(res.status, res.text).toBe(201);
  return res.json.data as { id: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("GET /events as JSON", () => {
  it("lists stored events newest first, filtered by type patterns, page by page without gaps or duplicates", async () => {
    const published = [];
    for (const type of ["log.a.one", "log.b", "log.a.two", "log.c", "log.b.sub", "log.a.three"]) published.push(await publish(type));
    const res = await call("/events?type=log.a.*,log.b&limit=2", { headers: { Accept: "application/json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
    const seen: string[] = res.json.data.events.map((e: { type: string }) => e.type);
    let cursor = res.json.data.nextCursor as string | null;
    while (cursor) {
      const next = await call(`/events?type=log.a.*,log.b&limit=2&cursor=${cursor}`);
      seen.push(...next.json.data.events.map((e: { type: string }) => e.type));
      cursor = next.json.data.nextCursor;
    }
    // "log.b" is a type or a dot-segment prefix (as in the stream's filter); "log.c" matches neither.
    expect(seen).toEqual(["log.a.three", "log.b.sub", "log.a.two", "log.b", "log.a.one"]);
    const first = (await call("/events?type=log.a.one")).json.data.events[0];
    expect(first).toEqual({ id: published[0]!.id, type: "log.a.one", timestamp: published[0]!.timestamp, data: { n: "log.a.one" }, tenantId: "default" });
  });

  it("bounds the list by since and until", async () => {
    await publish("window.before");
    await sleep(30);
    const from = new Date().toISOString();
    await publish("window.inside");
    await sleep(30);
    const to = new Date().toISOString();
    await publish("window.after");
    const res = await call(`/events?type=window&since=${from}&until=${to}`);
    expect(res.json.data.events.map((e: { type: string }) => e.type)).toEqual(["window.inside"]);
    expect(res.json.data.nextCursor).toBeNull();
  });

  it("refuses bad parameters with the error envelope", async () => {
    for (const query of ["limit=0", "limit=101", "cursor=nope", "type=bad%20type", "until=yesterday"]) {
      const res = await call(`/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.code).toBe("SCHEMA_VALIDATION_ERROR");
    }
  });
});

describe("GET /events/:id", () => {
  it("returns the wire event with its deliveries; an unknown id is 404", async () => {
    const sub = await subscribe(["detail.*"]);
    const event = await publish("detail.one", { metadata: { source: "test" } });
    const res = await call(`/events/${event.id}`);
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ id: event.id, type: "detail.one", data: { n: "detail.one" }, metadata: { source: "test" } });
    expect(res.json.data.deliveries).toHaveLength(1);
    expect(res.json.data.deliveries[0]).toMatchObject({ subscriptionId: sub.id, status: expect.any(String), attempts: expect.any(Number) });
    for (const id of ["evt-0000000000000000000000ZZ", "not-an-id"]) {
      const missing = await call(`/events/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.json.code).toBe("NOT_FOUND");
    }
  });
});

describe("POST /events deliverAt", () => {
  it("holds the deliveries until deliverAt, while the log (and stream) has the event at once", async () => {
    const sub = await subscribe(["later.*"]);
    const deliverAt = Date.now() + 4000;
    const event = await publish("later.one", { deliverAt: new Date(deliverAt).toISOString() });
    expect((await call(`/events/${event.id}`)).json.data.deliveries).toEqual([expect.objectContaining({ subscriptionId: sub.id, status: "pending", attempts: 0 })]);
    const row = () => env.DB.prepare("SELECT attempts, next_at FROM deliveries WHERE event_id = ?").bind(event.id).first<{ attempts: number; next_at: number | null }>();
    let attemptedAt: number | null = null;
    while (attemptedAt === null && Date.now() < deliverAt + 15_000) {
      const current = await row();
      if (current!.attempts > 0) attemptedAt = Date.now();
      else expect(current!.next_at).toBe(deliverAt);
      await sleep(100);
    }
    expect(attemptedAt).not.toBeNull();
    const attempt = await env.DB.prepare("SELECT a.created_at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = ?").bind(event.id).first<{ created_at: number }>();
    expect(attempt!.created_at).toBeGreaterThanOrEqual(deliverAt);
  }, 30_000);

  it("refuses a deliverAt more than 24 h ahead and oversized metadata", async () => {
    const far = await call("/events", { body: { type: "later.far", data: {}, deliverAt: new Date(Date.now() + 25 * 3_600_000).toISOString() } });
    expect(far.status).toBe(400);
    expect(far.json.details.field).toBe("deliverAt");
    const meta = await call("/events", { body: { type: "later.meta", data: {}, metadata: { big: "x".repeat(70_000) } } });
    expect(meta.status).toBe(400);
    expect(meta.json.details.field).toBe("metadata");
  });
});
