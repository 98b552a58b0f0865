// The delivery engine through the real runtime: rotation in one statement, /test effects (event,
// metric, audit), consecutive failures owned by D1, event_expired, body-less actions.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { processDeliveries, type DisabledNotice, type EngineEffects } from "../../src/delivery/engine";
import { EVENT_CATALOGUE } from "../../src/events/catalogue";
import { customEventType } from "../../src/events/types";
import { publish } from "../../src/publish";
import worker from "../../src/index";
import { call } from "./helpers";
import { eventually, RECEIVER } from "./receiver";

async function subscribe(body: Record<string, unknown>) {
  const res = await call("/subscriptions", { body: { events: ["engine.*"], ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json.data;
}

async function rows(sql: string, ...values: unknown[]) {
  return (await env.DB.prepare(sql).bind(...values).all<any>()).results;
}

describe("targeted updates", () => {
  it("rotation keeps the stored secret as the previous one, read inside the UPDATE", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/engine/rotate` });
    const first = await call(`/subscriptions/${sub.id}/rotate-secret`, { method: "POST", body: { gracePeriodSeconds: 60 } });
    const [row] = await rows("SELECT secret_enc, previous_secret_enc FROM subscriptions WHERE id = ?", sub.id);
    await call(`/subscriptions/${sub.id}/rotate-secret`, { method: "POST", body: { gracePeriodSeconds: 60 } });
    const [after] = await rows("SELECT previous_secret_enc FROM subscriptions WHERE id = ?", sub.id);
    expect(first.status).toBe(200);
    expect(after.previous_secret_enc).toBe(row.secret_enc);
  });
});

describe("POST /subscriptions/:id/test against 410 Gone", () => {
  it("disables the subscription, publishes subscription.disabled, counts a failed delivery and audits the disable", async () => {
    const before = (await call("/metrics")).json.data.deliveries.byOutcome.failed;
    const sub = await subscribe({ url: `${RECEIVER}/status/410/engine-test` });
    const res = await call(`/subscriptions/${sub.id}/test`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ success: false, status: "failed", attempt: { statusCode: 410, verdict: "gone" } });
    const read = (await call(`/subscriptions/${sub.id}`)).json.data;
    expect(read).toMatchObject({ status: "disabled", disabledReason: "endpoint answered 410 Gone", consecutiveFailures: 1 });
    const event = await eventually(async () => (await rows("SELECT * FROM events WHERE type = 'subscription.disabled' AND json_extract(data, '$.subscriptionId') = ?", sub.id))[0]);
    expect(JSON.parse(event.data)).toEqual({ subscriptionId: sub.id, url: `${RECEIVER}/status/410/engine-test`, reason: "endpoint answered 410 Gone", consecutiveFailures: 1 });
    // The catalogue documents exactly the fields the engine publishes.
    const documented = EVENT_CATALOGUE.find((t) => t.type === "subscription.disabled")!.example;
    expect(Object.keys(JSON.parse(event.data)).sort()).toEqual(Object.keys(documented).sort());
    const audit = await eventually(async () => (await rows("SELECT * FROM audit WHERE action = 'subscription.disable' AND target_id = ?", sub.id))[0]);
    expect(audit).toMatchObject({ actor_token_id: "system" });
    expect((await call("/metrics")).json.data.deliveries.byOutcome.failed - before).toBe(1);
  });
});

describe("a disable made by the queue consumer", () => {
  it("is audited (actor system, request id queue) and announced, with no Hono context", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/status/410/engine-consumer` });
    const ctx = createExecutionContext();
    const event = await publish(env, ctx, { tenantId: "default", type: customEventType("engine.gone"), data: {} }, { targets: [{ id: sub.id, tenantId: "default", events: [], filters: null, active: true }], enqueue: false });
    const batch = createMessageBatch("edgehook-deliveries", [{ id: "m-gone", timestamp: Date.now(), attempts: 1, body: event.deliveries[0] }]);
    await worker.queue(batch, env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await rows("SELECT status FROM subscriptions WHERE id = ?", sub.id))[0].status).toBe("disabled");
    const [audit] = await rows("SELECT actor_token_id, request_id, details FROM audit WHERE action = 'subscription.disable' AND target_id = ?", sub.id);
    expect(audit).toMatchObject({ actor_token_id: "system", request_id: "queue" });
    expect(JSON.parse(audit.details)).toEqual({ reason: "endpoint answered 410 Gone", consecutiveFailures: 1 });
    expect(await rows("SELECT id FROM events WHERE type = 'subscription.disabled' AND json_extract(data, '$.subscriptionId') = ?", sub.id)).toHaveLength(1);
  });
});

describe("consecutive failures (owned by D1)", () => {
  const seen: DisabledNotice[] = [];
  const fx: EngineEffects = { disabled: async (notices) => seen.push(...notices), attempted: () => undefined, audit: async () => undefined, settled: async () => undefined };

  it("count across batches, show the same number on the subscription and /stats, and disable at the threshold in the same statement", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/status/500/engine-count`, retryPolicy: { maxRetries: 0 } });
    const small = { ...env, AUTO_DISABLE_AFTER_FAILURES: "3" };
    const ctx = createExecutionContext();
    for (let i = 0; i < 3; i++) {
      // Written without a queue message, so only this engine call (threshold 3) attempts it.
      const event = await publish(small, ctx, { tenantId: "default", type: customEventType("engine.count"), data: { i } }, { targets: [{ id: sub.id, tenantId: "default", events: [], filters: null, active: true }], enqueue: false });
      const message = event.deliveries[0]!;
      const [processed] = await processDeliveries({ env: small, effects: fx, background: ctx }, [message], { bypassGuard: true });
      expect(processed!.outcome).toMatchObject({ status: "failed", statusCode: 500 });
      if (i === 1) {
        const [read, stats] = await Promise.all([call(`/subscriptions/${sub.id}`), call(`/subscriptions/${sub.id}/stats`)]);
        expect(read.json.data.consecutiveFailures).toBe(2);
        expect(stats.json.data.consecutiveFailures).toBe(2);
        expect(read.json.data.status).toBe("active");
      }
    }
    await waitOnExecutionContext(ctx);
    expect(seen).toEqual([{ subscriptionId: sub.id, tenantId: "default", url: `${RECEIVER}/status/500/engine-count`, reason: "3 consecutive failed attempts", consecutiveFailures: 3 }]);
    const read = (await call(`/subscriptions/${sub.id}`)).json.data;
    expect(read).toMatchObject({ status: "disabled", disabledReason: "3 consecutive failed attempts", consecutiveFailures: 3 });
    expect((await call(`/subscriptions/${sub.id}/stats`)).json.data.consecutiveFailures).toBe(3);
    const resumed = await call(`/subscriptions/${sub.id}/resume`, { method: "POST" });
    expect(resumed.json.data).toMatchObject({ status: "active", consecutiveFailures: 0 });
  });
});

describe("a delivery whose event retention purged", () => {
  it("is settled failed with event_expired and never claimed again", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/engine/expired` });
    const past = Date.now() - 60_000;
    await env.DB.prepare(
      "INSERT INTO deliveries (id, event_id, subscription_id, event_type, status, attempts, round_start, next_at, created_at, updated_at) VALUES ('dlv-expired', 'evt-purged', ?, 'engine.x', 'pending', 0, 0, ?, ?, ?)",
    )
      .bind(sub.id, past, past, past)
      .run();
    const batch = createMessageBatch("edgehook-deliveries", [{ id: "m-expired", timestamp: Date.now(), attempts: 1, body: { deliveryId: "dlv-expired", subscriptionId: sub.id, attempt: 0 } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m-expired"]);
    const [row] = await rows("SELECT status, last_error, next_at, completed_at FROM deliveries WHERE id = 'dlv-expired'");
    expect(row).toMatchObject({ status: "failed", last_error: "event_expired", next_at: null });
    expect(row.completed_at).toBeGreaterThan(0);
    // The sweep (next_at NULL) and a duplicate message (status failed) leave it alone.
    const again = createMessageBatch("edgehook-deliveries", [{ id: "m-again", timestamp: Date.now(), attempts: 1, body: { deliveryId: "dlv-expired", subscriptionId: sub.id, attempt: 1 } }]);
    await worker.queue(again, env, createExecutionContext());
    expect((await rows("SELECT attempts FROM deliveries WHERE id = 'dlv-expired'"))[0].attempts).toBe(1);
  });
});

describe("body-less action routes", () => {
  it("accept a POST with an empty body and no Content-Type", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/engine/bodyless` });
    const bare = (path: string) => call(path, { method: "POST", rawBody: new Uint8Array(0) });
    for (const action of ["rotate-secret", "pause", "resume", "test"]) {
      const res = await bare(`/subscriptions/${sub.id}/${action}`);
      expect(res.status, `${action}: ${res.text}`).toBe(200);
    }
    const [delivery] = await rows("SELECT id FROM deliveries WHERE subscription_id = ?", sub.id);
    await eventually(async () => ((await rows("SELECT status FROM deliveries WHERE id = ?", delivery.id))[0].status === "success" ? true : undefined));
    const retried = await bare(`/subscriptions/${sub.id}/deliveries/${delivery.id}/retry`);
    expect(retried.status, retried.text).toBe(202);
    // A body that is there must still be JSON.
    expect((await call(`/subscriptions/${sub.id}/pause`, { method: "POST", rawBody: "x=1", headers: { "Content-Type": "application/x-www-form-urlencoded" } })).status).toBe(415);
  });
});
