// Delivery modes through the real runtime (D1, the engine, a receiver on 127.0.0.1): batches form in
// D1 when full or when their oldest event has waited, are signed once and resent whole on retry;
// FIFO keys keep one delivery in flight, park the rest and promote the next head when one finishes.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { standardSignature } from "../../src/delivery/destinations/signer";
import { processDeliveries, type EngineEffects } from "../../src/delivery/engine";
import { PARK_MS } from "../../src/delivery/modes/fifo";
import type { DeliveryMessage } from "../../src/delivery/store/outbox";
import { customEventType } from "../../src/events/types";
import { publish } from "../../src/publish";
import { call } from "./helpers";
import { received } from "./receiver";
import { RECEIVER } from "./receiver";

const fx: EngineEffects = { disabled: async () => undefined, attempted: () => undefined, audit: async () => undefined, settled: async () => undefined };

async function subscribe(body: Record<string, unknown>) {
  const res = await call("/subscriptions", { body: { events: ["modes.*"], ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json.data;
}

async function rows(sql: string, ...values: unknown[]) {
  return (await env.DB.prepare(sql).bind(...values).all<any>()).results;
}

/** Publishes one event to exactly this subscription (no queue message: only the engine calls below act on it). */
async function publishTo(sub: { id: string; ordering?: unknown }, data: Record<string, unknown>): Promise<{ id: string; message: DeliveryMessage }> {
  const ctx = createExecutionContext();
  const target = { id: sub.id, tenantId: "default", events: [], filters: null, active: true, ordering: (sub.ordering ?? null) as never };
  const event = await publish(env, ctx, { tenantId: "default", type: customEventType("modes.event"), data }, { targets: [target], enqueue: false });
  await waitOnExecutionContext(ctx);
  return { id: event.id, message: event.deliveries[0]! };
}

async function run(messages: DeliveryMessage[]) {
  const ctx = createExecutionContext();
  const processed = await processDeliveries({ env, effects: fx, background: ctx }, messages, { bypassGuard: true });
  await waitOnExecutionContext(ctx);
  return processed;
}

describe("batch mode", () => {
  it("holds events in an open window until maxEvents, then sends one signed request with every event in publish order", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/modes/batch-full`, batch: { maxEvents: 3, maxWaitMs: 60_000 } });
    expect(sub.batch).toEqual({ maxEvents: 3, maxWaitMs: 60_000 });
    const events = [await publishTo(sub, { i: 0 })];
    const first = await run([events[0]!.message]);
    expect(first.filter((p) => p.outcome).map((p) => p.outcome)).toEqual([]);
    expect(await received("/modes/batch-full")).toHaveLength(0);
    const [open] = await rows("SELECT status, batch_id, attempts FROM deliveries WHERE id = ?", events[0]!.message.deliveryId);
    expect(open).toEqual({ status: "pending", batch_id: null, attempts: 0 });

    for (let i = 1; i < 3; i++) events.push(await publishTo(sub, { i }));
    await run([events[1]!.message, events[2]!.message]);
    const requests = await received("/modes/batch-full");
    expect(requests).toHaveLength(1);
    const body = JSON.parse(requests[0]!.body);
    expect(body.type).toBe("batch");
    expect(body.id).toMatch(/^bat_[0-9a-f]{24}$/);
    expect(body.events.map((e: { id: string }) => e.id)).toEqual(events.map((e) => e.id));
    expect(body.events[2]).toMatchObject({ type: "modes.event", data: { i: 2 } });
    const headers = requests[0]!.headers;
    expect(headers["webhook-id"]).toBe(body.id);
    expect(headers["x-webhook-event"]).toBe("batch");
    const expected = await standardSignature(sub.secret, body.id, Number(headers["webhook-timestamp"]), requests[0]!.body);
    expect(headers["webhook-signature"]).toBe(expected);

    // Every event's delivery names the batch, in the list and in its attempt log.
    const list = (await call(`/subscriptions/${sub.id}/deliveries`)).json.data.items;
    expect(list.map((d: { batchId: string; status: string }) => [d.batchId, d.status])).toEqual([
      [body.id, "success"],
      [body.id, "success"],
      [body.id, "success"],
    ]);
    const one = (await call(`/subscriptions/${sub.id}/deliveries/${events[1]!.message.deliveryId}`)).json.data;
    expect(one.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, batchId: body.id })]);
    // A batch counts as one request for the subscription's health.
    expect((await call(`/subscriptions/${sub.id}/stats`)).json.data.attempts.total).toBe(3);
  });

  it("sends a partial batch once its oldest event has waited maxWaitMs", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/modes/batch-wait`, batch: { maxEvents: 50, maxWaitMs: 300 } });
    const a = await publishTo(sub, { n: 1 });
    const b = await publishTo(sub, { n: 2 });
    await run([a.message, b.message]);
    expect(await received("/modes/batch-wait")).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 350));
    await run([a.message]);
    const requests = await received("/modes/batch-wait");
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0]!.body).events.map((e: { id: string }) => e.id)).toEqual([a.id, b.id]);
  });

  it("resends the same batch (same id, same events) on retry, and a manual retry of one member restarts the whole batch", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/status/503/modes-batch-retry`, batch: { maxEvents: 2, maxWaitMs: 60_000 }, retryPolicy: { maxRetries: 1, initialDelayMs: 0 } });
    const a = await publishTo(sub, { n: 1 });
    const b = await publishTo(sub, { n: 2 });
    const [first] = (await run([a.message, b.message])).filter((p) => p.outcome);
    expect(first!.outcome).toMatchObject({ status: "retrying", statusCode: 503 });
    const again = (await run([first!.next!])).filter((p) => p.outcome);
    expect(again).toHaveLength(1);
    expect(again[0]!.outcome).toMatchObject({ status: "failed", verdict: "exhausted" });
    const requests = await received("/status/503/modes-batch-retry");
    expect(requests).toHaveLength(2);
    expect(requests[1]!.body).toBe(requests[0]!.body);
    expect(requests[1]!.headers["webhook-id"]).toBe(requests[0]!.headers["webhook-id"]);
    expect(await rows("SELECT status, attempts FROM deliveries WHERE subscription_id = ? ORDER BY event_id", sub.id)).toEqual([
      { status: "failed", attempts: 2 },
      { status: "failed", attempts: 2 },
    ]);

    const retried = await call(`/subscriptions/${sub.id}/deliveries/${b.message.deliveryId}/retry`, { method: "POST" });
    expect(retried.status).toBe(202);
    expect(await rows("SELECT status FROM deliveries WHERE subscription_id = ?", sub.id)).toEqual([{ status: "pending" }, { status: "pending" }]);
    await run([{ ...b.message, attempt: 2 }]);
    const third = (await received("/status/503/modes-batch-retry"))[2]!;
    expect(third.body).toBe(requests[0]!.body);
  });

  it("refuses settings out of range and combinations that cannot work, naming the field", async () => {
    const tooMany = await call("/subscriptions", { body: { url: `${RECEIVER}/x`, events: ["modes.*"], batch: { maxEvents: 101, maxWaitMs: 100 } } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.details.field).toBe("batch.maxEvents");
    const both = await call("/subscriptions", { body: { url: `${RECEIVER}/x`, events: ["modes.*"], batch: { maxEvents: 2, maxWaitMs: 100 }, ordering: { mode: "fifo" } } });
    expect(both.status).toBe(400);
    expect(both.json.details.field).toBe("ordering");
    const sub = await subscribe({ url: `${RECEIVER}/x`, template: { text: "{{event.type}}" } });
    const patched = await call(`/subscriptions/${sub.id}`, { method: "PATCH", body: { batch: { maxEvents: 2, maxWaitMs: 100 } } });
    expect(patched.status).toBe(400);
    expect(patched.json.details.field).toBe("batch");
    const off = await call(`/subscriptions/${sub.id}`, { method: "PATCH", body: { template: null, ordering: { mode: "fifo", key: "data.customerId" } } });
    expect(off.status).toBe(200);
    expect(off.json.data).toMatchObject({ batch: null, ordering: { mode: "fifo", key: "data.customerId" } });
  });
});

describe("FIFO per ordering key", () => {
  it("sends one delivery per key at a time, parks the rest and promotes the next head when the head is delivered", async () => {
    const ordering = { mode: "fifo", key: "data.k" };
    const sub = await subscribe({ url: `${RECEIVER}/modes/fifo-ok`, ordering });
    const a1 = await publishTo({ id: sub.id, ordering }, { k: "a", n: 1 });
    const b1 = await publishTo({ id: sub.id, ordering }, { k: "b", n: 1 });
    const a2 = await publishTo({ id: sub.id, ordering }, { k: "a", n: 2 });
    const before = Date.now();
    // Processed in reverse: a2 is refused while a1, earlier in its key, is unfinished.
    const processed = await run([a2.message, b1.message, a1.message]);
    const sentIds = processed.filter((p) => p.outcome).map((p) => p.message.deliveryId);
    expect(sentIds.sort()).toEqual([a1.message.deliveryId, b1.message.deliveryId].sort());
    const promoted = processed.filter((p) => p.index === -1);
    expect(promoted.map((p) => p.next)).toEqual([a2.message]);
    const [row] = await rows("SELECT status, ordering_key, next_at FROM deliveries WHERE id = ?", a2.message.deliveryId);
    expect(row).toMatchObject({ status: "pending", ordering_key: "a" });
    expect(row.next_at).toBeGreaterThanOrEqual(before);
    expect(row.next_at).toBeLessThan(before + PARK_MS);

    await run([promoted[0]!.next!]);
    const bodies = (await received("/modes/fifo-ok")).map((r) => JSON.parse(r.body).data);
    expect(bodies.filter((d) => d.k === "a").map((d) => d.n)).toEqual([1, 2]);
    const view = (await call(`/subscriptions/${sub.id}/deliveries/${a2.message.deliveryId}`)).json.data;
    expect(view).toMatchObject({ status: "success", orderingKey: "a", batchId: null });
  });

  it("a failing head holds back its key (retries included) until it is dead-lettered, then the next goes", async () => {
    const ordering = { mode: "fifo" };
    const sub = await subscribe({ url: `${RECEIVER}/status/503/modes-fifo-fail`, ordering, retryPolicy: { maxRetries: 1, initialDelayMs: 0 } });
    const e1 = await publishTo({ id: sub.id, ordering }, { n: 1 });
    const e2 = await publishTo({ id: sub.id, ordering }, { n: 2 });
    const first = await run([e1.message, e2.message]);
    expect(first.filter((p) => p.outcome).map((p) => [p.message.deliveryId, p.outcome!.status])).toEqual([[e1.message.deliveryId, "retrying"]]);
    // e2's message again while e1 is retrying: still refused.
    expect((await run([e2.message])).filter((p) => p.outcome)).toHaveLength(0);
    const second = await run([{ ...e1.message, attempt: 1 }]);
    expect(second.find((p) => p.outcome)!.outcome).toMatchObject({ status: "failed", verdict: "exhausted" });
    expect(second.filter((p) => p.index === -1).map((p) => p.next)).toEqual([e2.message]);
    const third = await run([e2.message]);
    expect(third.find((p) => p.outcome)!.message.deliveryId).toBe(e2.message.deliveryId);
    const order = (await received("/status/503/modes-fifo-fail")).map((r) => JSON.parse(r.body).data.n);
    expect(order).toEqual([1, 1, 2]);
  });

  it("a head whose event retention purged settles event_expired and lets the next one go", async () => {
    const ordering = { mode: "fifo" };
    const sub = await subscribe({ url: `${RECEIVER}/modes/fifo-expired`, ordering });
    const past = Date.now() - 60_000;
    await env.DB.prepare(
      "INSERT INTO deliveries (id, event_id, subscription_id, event_type, status, attempts, round_start, next_at, created_at, updated_at, ordering_key) VALUES ('dlv-fifo-gone', 'evt-0000000000-gone', ?, 'modes.x', 'pending', 0, 0, ?, ?, ?, '')",
    )
      .bind(sub.id, past, past, past)
      .run();
    const next = await publishTo({ id: sub.id, ordering }, { n: 1 });
    const processed = await run([next.message, { deliveryId: "dlv-fifo-gone", subscriptionId: sub.id, attempt: 0 }]);
    expect(processed.filter((p) => p.outcome)).toHaveLength(0);
    expect(processed.filter((p) => p.index === -1).map((p) => p.next)).toEqual([next.message]);
    expect((await rows("SELECT last_error FROM deliveries WHERE id = 'dlv-fifo-gone'"))[0].last_error).toBe("event_expired");
    await run([next.message]);
    expect(await received("/modes/fifo-expired")).toHaveLength(1);
  });
});
