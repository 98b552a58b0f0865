// The delivery fast path through the real runtime: a publishing request attempts what it just made
// due (bounded), the queue carries retries and the rest, and a failed fast path falls back to the queue.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { attemptFirst, splitFastPath } from "../../src/delivery/fast-path";
import { JITTER_FRACTION, toDelaySeconds } from "../../src/delivery/core/retry-policy";
import type { DeliveryMessage } from "../../src/delivery/store/outbox";
import { engineContext } from "../../src/effects";
import { customEventType } from "../../src/events/types";
import { publishAll, type PublishedEvent } from "../../src/publish";
// The Worker entry wires the fast path (useFastPath) with the engine's effects.
import "../../src/index";
import { call } from "./helpers";
import { received, RECEIVER } from "./receiver";

/** The deliveries queue, recording what is sent (and still sending it). */
function recordingQueue() {
  const sent: { body: DeliveryMessage; delaySeconds?: number }[] = [];
  const queue = {
    send: (body: DeliveryMessage, options?: QueueSendOptions) => (sent.push({ body, delaySeconds: options?.delaySeconds }), env.DELIVERIES.send(body, options)),
    sendBatch: (messages: Iterable<MessageSendRequest<DeliveryMessage>>, options?: QueueSendBatchOptions) => {
      const list = [...messages];
      for (const m of list) sent.push({ body: m.body, delaySeconds: m.delaySeconds ?? options?.delaySeconds });
      return env.DELIVERIES.sendBatch(list, options);
    },
  } as unknown as Queue<DeliveryMessage>;
  return { queue, sent };
}

async function subscribe(body: Record<string, unknown>) {
  const res = await call("/subscriptions", { body });
  expect(res.status, res.text).toBe(201);
  return res.json.data;
}

async function deliveries(eventId: string) {
  return (await env.DB.prepare("SELECT id, subscription_id, status, attempts FROM deliveries WHERE event_id = ? ORDER BY id").bind(eventId).all<any>()).results;
}

describe("splitFastPath", () => {
  const m = (i: number, sub = "sub-a"): DeliveryMessage => ({ deliveryId: `dlv-${i}`, subscriptionId: sub, attempt: 0 });
  it("takes up to the limit, skipping subscriptions that opt out, and queues the rest in order", () => {
    const messages = [m(1), m(2, "sub-b"), m(3), m(4), m(5)];
    const split = splitFastPath(messages, [{ id: "sub-b", tenantId: "default", events: [], filters: null, active: true, fastPath: false }], 2);
    expect(split.taken.map((x) => x.deliveryId)).toEqual(["dlv-1", "dlv-3"]);
    expect(split.queued.map((x) => x.deliveryId)).toEqual(["dlv-2", "dlv-4", "dlv-5"]);
    expect(splitFastPath(messages, [], 0)).toEqual({ taken: [], queued: messages });
  });
});

describe("the fast path", () => {
  it("attempts a published delivery from the publishing request: delivered and recorded, nothing enqueued", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/fast/ok`, events: ["fast.ok"] });
    const { queue, sent } = recordingQueue();
    const ctx = createExecutionContext();
    const [event] = await publishAll({ ...env, DELIVERIES: queue }, ctx, [{ tenantId: "default", type: customEventType("fast.ok"), data: { n: 1 } }]);
    await waitOnExecutionContext(ctx);
    expect(await deliveries(event!.id)).toEqual([expect.objectContaining({ subscription_id: sub.id, status: "success", attempts: 1 })]);
    const arrived = (await received("/fast/ok")).filter((r) => r.headers["webhook-id"] === event!.id);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.headers["x-webhook-attempt"]).toBe("1");
    expect(sent).toEqual([]);
  });

  it("takes at most DELIVERY_FAST_PATH_LIMIT deliveries of a request and enqueues the rest", async () => {
    for (let i = 0; i < 4; i++) await subscribe({ url: `${RECEIVER}/fast/many/${i}`, events: ["fast.many"] });
    const { queue, sent } = recordingQueue();
    const ctx = createExecutionContext();
    const small = { ...env, DELIVERIES: queue, DELIVERY_FAST_PATH_LIMIT: "3" };
    const [event] = await publishAll(small, ctx, [{ tenantId: "default", type: customEventType("fast.many"), data: {} }]);
    await waitOnExecutionContext(ctx);
    const rows = await deliveries(event!.id);
    expect(rows).toHaveLength(4);
    expect(sent.map((s) => s.body)).toHaveLength(1);
    const queued = sent[0]!.body;
    expect(queued.attempt).toBe(0);
    // The three taken were attempted here; the queued one is the consumer's (it may have run already).
    expect(rows.filter((r: any) => r.id !== queued.deliveryId).every((r: any) => r.status === "success" && r.attempts === 1)).toBe(true);
  });

  it("requests publishing at the same moment share one run: one claim batch and one record batch", async () => {
    await subscribe({ url: `${RECEIVER}/fast/shared`, events: ["fast.shared"] });
    let batches = 0;
    const db = new Proxy(env.DB, {
      get: (target, key) => (key === "batch" ? (statements: D1PreparedStatement[]) => (batches++, target.batch(statements)) : Reflect.get(target, key)),
    });
    const shared = { ...env, DB: db };
    // Rows written without messages, then handed over as three requests whose commits landed together.
    const events: PublishedEvent[] = [];
    for (let i = 0; i < 3; i++) events.push(...(await publishAll(shared, createExecutionContext(), [{ tenantId: "default", type: customEventType("fast.shared"), data: { i } }], { enqueue: false })));
    expect(batches).toBe(3);
    const contexts = [createExecutionContext(), createExecutionContext(), createExecutionContext()];
    const runs = contexts.map((ctx, i) => attemptFirst(engineContext(shared, ctx, "test"), events[i]!.deliveries));
    await Promise.all(runs);
    for (const event of events) expect(await deliveries(event.id)).toEqual([expect.objectContaining({ status: "success", attempts: 1 })]);
    // One claim batch and one record batch for the three deliveries.
    expect(batches).toBe(5);
  });

  it("with DELIVERY_FAST_PATH_LIMIT 0 every delivery goes through the queue", async () => {
    await subscribe({ url: `${RECEIVER}/fast/off`, events: ["fast.off"] });
    const { queue, sent } = recordingQueue();
    const ctx = createExecutionContext();
    const [event] = await publishAll({ ...env, DELIVERIES: queue, DELIVERY_FAST_PATH_LIMIT: "0" }, ctx, [{ tenantId: "default", type: customEventType("fast.off"), data: {} }]);
    await waitOnExecutionContext(ctx);
    expect(sent.map((s) => s.body)).toEqual([{ deliveryId: (await deliveries(event!.id))[0].id, subscriptionId: expect.any(String), attempt: 0 }]);
  });

  it("a failed first attempt is retried through the queue with the policy's delay and the next generation", async () => {
    await subscribe({ url: `${RECEIVER}/status/500/fast-retry`, events: ["fast.retry"], retryPolicy: { initialDelayMs: 3000, strategy: "fixed", maxRetries: 3 } });
    const { queue, sent } = recordingQueue();
    const ctx = createExecutionContext();
    const [event] = await publishAll({ ...env, DELIVERIES: queue }, ctx, [{ tenantId: "default", type: customEventType("fast.retry"), data: {} }]);
    await waitOnExecutionContext(ctx);
    const [row] = await deliveries(event!.id);
    expect(row).toMatchObject({ status: "retrying", attempts: 1 });
    // The policy's 3 s plus its jitter (up to JITTER_FRACTION more, never less), in whole seconds: 3 or 4.
    expect(sent).toEqual([{ body: { deliveryId: row.id, subscriptionId: row.subscription_id, attempt: 1 }, delaySeconds: expect.any(Number) }]);
    expect(sent[0]!.delaySeconds).toBeGreaterThanOrEqual(3);
    expect(sent[0]!.delaySeconds).toBeLessThanOrEqual(toDelaySeconds(3000 * (1 + JITTER_FRACTION)));
  });

  it("when the engine fails, the deliveries are enqueued instead (nothing lost)", async () => {
    await subscribe({ url: `${RECEIVER}/fast/fallback`, events: ["fast.fallback"] });
    const { queue, sent } = recordingQueue();
    // The endpoint guard is unreachable: admit throws before anything is claimed.
    const unreachable = { get: () => ({ admit: () => Promise.reject(new Error("guard unreachable")) }), idFromName: () => ({}) } as unknown as Env["ENDPOINT_GUARD"];
    const ctx = createExecutionContext();
    const [event] = await publishAll({ ...env, DELIVERIES: queue, ENDPOINT_GUARD: unreachable }, ctx, [{ tenantId: "default", type: customEventType("fast.fallback"), data: {} }]);
    await waitOnExecutionContext(ctx);
    const [row] = await deliveries(event!.id);
    expect(row).toMatchObject({ status: "pending", attempts: 0 });
    expect(sent).toEqual([{ body: { deliveryId: row.id, subscriptionId: row.subscription_id, attempt: 0 }, delaySeconds: undefined }]);
  });
});
