// Delivery modes end to end (real `wrangler dev`, its queue, Durable Object alarms, receivers on 127.0.0.1):
// batches leave full or when their oldest event has waited, signed once; FIFO keys keep publish order
// while a failing key holds back only itself.
import { afterEach, describe, expect, inject, it } from "vitest";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { receiversClosedAfterEach, verifyStandard, verifyXWebhook, type Receiver } from "./receiver.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));

const receiver = receiversClosedAfterEach(afterEach);

async function subscribe(r: Receiver, ns: string, extra: Record<string, unknown>) {
  const res = await api("/subscriptions", { body: { url: `${r.url}/hook`, events: [`${ns}.*`], ...extra } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.data as { id: string; secret: string };
}

async function publish(type: string, data: Record<string, unknown>): Promise<{ id: string; at: number }> {
  const at = Date.now();
  const res = await api("/events", { body: { type, data } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return { id: res.json.data.id as string, at };
}

describe("batch mode", () => {
  it("sends full batches at once and the rest once its oldest event has waited maxWaitMs, each event once, signed once per batch", async () => {
    const r = await receiver();
    const ns = `batch${Date.now().toString(36)}`;
    const sub = await subscribe(r, ns, { batch: { maxEvents: 5, maxWaitMs: 1500 } });
    const published: { id: string; at: number }[] = [];
    for (let i = 0; i < 12; i++) published.push(await publish(`${ns}.tick`, { i }));
    const delivered = await eventually(async () => {
      const ids = r.requests.flatMap((q) => JSON.parse(q.body).events.map((e: { id: string }) => e.id));
      return ids.length >= 12 ? ids : undefined;
    }, 30_000);
    expect([...delivered].sort()).toEqual(published.map((p) => p.id).sort());
    for (const q of r.requests) {
      const body = JSON.parse(q.body);
      expect(body.type).toBe("batch");
      expect(q.headers["webhook-id"]).toBe(body.id);
      expect(q.headers["x-webhook-event"]).toBe("batch");
      verifyStandard(sub.secret, q);
      expect(verifyXWebhook(sub.secret, q)).toBe(true);
      expect(body.events.length).toBeLessThanOrEqual(5);
      // Within a batch, publish order.
      const ids = body.events.map((e: { id: string }) => e.id);
      expect(ids).toEqual([...ids].sort());
      // A batch that is not full left only after its oldest event had waited maxWaitMs.
      if (body.events.length < 5) {
        const oldest = published.find((p) => p.id === ids[0])!;
        expect(q.receivedAt - oldest.at).toBeGreaterThanOrEqual(1500 - 50);
      }
    }
    expect(r.requests.filter((q) => JSON.parse(q.body).events.length === 5).length).toBeGreaterThanOrEqual(1);
    // The deliveries view names each event's batch.
    const list = await api(`/subscriptions/${sub.id}/deliveries?limit=100`);
    const batchIds = new Set(r.requests.map((q) => JSON.parse(q.body).id));
    expect(list.json.data.items).toHaveLength(12);
    for (const d of list.json.data.items) expect(batchIds.has(d.batchId)).toBe(true);
  });
});

describe("FIFO per ordering key", () => {
  it("keeps publish order per key while a failing key holds back only itself", async () => {
    const failing = new Set(["c", "d"]);
    const r = await receiver((q) => (failing.has(JSON.parse(q.body).data.k) ? [503] : [200]));
    const ns = `fifo${Date.now().toString(36)}`;
    // Failing heads retry every 10 s: at most 12 failures in any breaker window (60 s), so the
    // endpoint's breaker (≥ 50 % of ≥ 20 requests) cannot open while a and b are still delivering,
    // however slow the machine. With 1 s, two failing keys can trip it once a loaded machine slows a
    // and b down, which then wait out the breaker's cooldowns (the likely cause of a 60 s timeout).
    const sub = await subscribe(r, ns, { ordering: { mode: "fifo", key: "data.k" }, retryPolicy: { strategy: "fixed", initialDelayMs: 10_000, maxRetries: 10 } });
    const keys = ["a", "b", "c", "d"];
    const PER_KEY = 6;
    for (let n = 0; n < PER_KEY; n++) for (const k of keys) await publish(`${ns}.step`, { k, n });
    const seen = (k: string) => r.requests.map((q) => JSON.parse(q.body).data).filter((d) => d.k === k);
    // The healthy keys finish while c and d still fail.
    await eventually(async () => (["a", "b"].every((k) => seen(k).length >= PER_KEY) ? true : undefined), 60_000);
    for (const k of ["c", "d"]) expect(seen(k).every((d) => d.n === 0)).toBe(true);
    failing.clear();
    await eventually(async () => (keys.every((k) => new Set(seen(k).map((d) => d.n)).size === PER_KEY) ? true : undefined), 60_000);
    // Per key: never an event before an earlier one (attempts of the head repeat, nothing overtakes).
    for (const k of keys) {
      const order = seen(k).map((d) => d.n);
      expect(order, `key ${k}: ${order.join(",")}`).toEqual([...order].sort((x, y) => x - y));
    }
    const list = await api(`/subscriptions/${sub.id}/deliveries?limit=100`);
    expect(list.json.data.items.every((d: { status: string; orderingKey: string }) => d.status === "success" && keys.includes(d.orderingKey))).toBe(true);
  }, 150_000);
});
