// Operational events through the real Worker: api.key.*, api.limit.exceeded (coalesced), subscription.enabled, delivery.failed, system.health.*.
import { Validator } from "@cfworker/json-schema";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVENT_CATALOGUE } from "../../src/events/catalogue";
import type { HealthChecks } from "../../src/ops/health";
import { watchHealth } from "../../src/ops/operational-events";
import { call, createToken } from "./helpers";

/** Stored events of a type, oldest first, each checked against the catalogue's schema. */
async function eventsOf(type: string): Promise<Record<string, any>[]> {
  const { results } = await env.DB.prepare("SELECT data FROM events WHERE type = ? ORDER BY id").bind(type).all<{ data: string }>();
  const schema = EVENT_CATALOGUE.find((e) => e.type === type)!.schema;
  return results.map((r) => {
    const data = JSON.parse(r.data);
    const check = new Validator(schema as object, "2020-12").validate(data);
    expect(check.valid, `${type}: ${JSON.stringify(check.errors)}`).toBe(true);
    return data;
  });
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

describe("api.key.*", () => {
  it("publishes created on POST /tokens and revoked on deactivation and deletion", async () => {
    const token = await createToken(["task"], { name: "zap-ops", type: "zapier" });
    expect(await eventsOf("api.key.created")).toContainEqual({ tokenId: token.id, name: "zap-ops", type: "zapier" });
    expect((await call(`/tokens/${token.id}`, { method: "PATCH", body: { active: false } })).status).toBe(200);
    expect((await call(`/tokens/${token.id}`, { method: "DELETE" })).status).toBe(200);
    const revoked = (await eventsOf("api.key.revoked")).filter((d) => d.tokenId === token.id);
    expect(revoked).toEqual([{ tokenId: token.id, name: "zap-ops" }, { tokenId: token.id, name: "zap-ops" }]);
    expect((await call(`/tokens/${token.id}`, { method: "DELETE" })).status).toBe(404);
  });
});

describe("api.limit.exceeded", () => {
  it("is published once per token and level per window however many requests are refused", async () => {
    const token = await createToken(["subscriptions"], { rateLimit: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call("/subscriptions", { token: token.key, vars: { RATE_LIMIT_BURST: "1" } })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    const mine = (await eventsOf("api.limit.exceeded")).filter((d) => d.tokenId === token.id);
    expect(mine).toEqual([{ tokenId: token.id, level: "token", limit: 1, windowSeconds: 3600 }]);
  });
});

describe("subscription.enabled", () => {
  it("is published when a paused subscription is resumed (route or PATCH active), not when already active", async () => {
    const sub = (await call("/subscriptions", { body: { url: "http://127.0.0.1:9/x", events: ["never.*"] } })).json.data;
    expect((await call(`/subscriptions/${sub.id}/resume`, { method: "POST" })).status).toBe(200);
    expect((await eventsOf("subscription.enabled")).filter((d) => d.subscriptionId === sub.id)).toHaveLength(0);
    await call(`/subscriptions/${sub.id}/pause`, { method: "POST" });
    await call(`/subscriptions/${sub.id}/resume`, { method: "POST" });
    await call(`/subscriptions/${sub.id}`, { method: "PATCH", body: { active: false } });
    await call(`/subscriptions/${sub.id}`, { method: "PATCH", body: { active: true } });
    expect((await eventsOf("subscription.enabled")).filter((d) => d.subscriptionId === sub.id)).toHaveLength(2);
  });
});

describe("delivery.failed", () => {
  it("is published when a delivery's retries are exhausted, and not for its own failed delivery", async () => {
    const sub = (await call("/subscriptions", { body: { url: "http://127.0.0.1:9/dead", events: ["doomed.*", "delivery.failed"], retryPolicy: { maxRetries: 0 } } })).json.data;
    const published = await call("/events", { body: { type: "doomed.one", data: {} } });
    const failed = await eventually(
      async () => (await eventsOf("delivery.failed")).filter((d) => d.subscriptionId === sub.id),
      (list) => list.length > 0,
    );
    // The workers pool answers the dead endpoint (port 9) with 503 (vitest.workers.config.ts).
    expect(failed[0]).toMatchObject({ subscriptionId: sub.id, eventId: published.json.data.id, attempts: 1, lastStatus: 503 });
    expect(failed[0]!.lastStatus ?? failed[0]!.error).toBeTruthy(); // why it failed: a status, or an error when there was no response
    // the delivery.failed event itself goes to the same dead endpoint and fails: no second announcement
    await eventually(
      async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.subscription_id = ? AND e.type = 'delivery.failed' AND d.status = 'failed'").bind(sub.id).first<{ n: number }>())!.n,
      (n) => n >= 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await eventsOf("delivery.failed")).filter((d) => d.subscriptionId === sub.id)).toHaveLength(1);
  });
});

describe("system.health.*", () => {
  const ok = { status: "ok" as const, latencyMs: 1 };
  const bad = { status: "error" as const, latencyMs: 1, error: "down" };
  const checks = (queue: typeof ok | typeof bad): HealthChecks => ({ database: ok, queue, durableObjects: ok });
  async function watch(c: HealthChecks) {
    const ctx = createExecutionContext();
    const result = await watchHealth(env, ctx, c);
    await waitOnExecutionContext(ctx);
    return result;
  }
  it("publishes degraded on leaving healthy and restored on return, nothing while unchanged", async () => {
    expect((await watch(checks(ok))).published).toBeNull();
    expect((await watch(checks(bad))).published).toBe("system.health.degraded");
    expect((await watch(checks(bad))).published).toBeNull();
    expect((await watch(checks(ok))).published).toBe("system.health.restored");
    expect(await eventsOf("system.health.degraded")).toEqual([{ status: "degraded", previous: "healthy", checks: { database: "ok", queue: "error", durableObjects: "ok" } }]);
    expect(await eventsOf("system.health.restored")).toEqual([{ status: "healthy", previous: "degraded", checks: { database: "ok", queue: "ok", durableObjects: "ok" } }]);
  });
});
