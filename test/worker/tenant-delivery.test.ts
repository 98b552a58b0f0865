// Tenant isolation on the delivery side: subscriptions, deliveries, attempts, channels, queue figures and publish per tenant.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { channelStatuses } from "../../src/delivery/store/channels";
import { publish } from "../../src/publish";
import { TenantDb } from "../../src/tenants/tenant-db";
import { call, createToken } from "./helpers";
import { eventually, RECEIVER } from "./receiver";

const DEAD = "http://127.0.0.1:9/tenant-dead";
const A = "tnd-alpha";
const B = "tnd-beta";
let tokenA = "";
let tokenB = "";

/** Inserts a tenant row directly (POST /tenants is another branch's). */
async function tenant(id: string): Promise<void> {
  await env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, 0, 0)").bind(id, id).run();
}

async function subscribeAs(token: string, body: Record<string, unknown>) {
  const res = await call("/subscriptions", { token, body });
  expect(res.status, res.text).toBe(201);
  return res.json.data as { id: string; tenantId: string };
}

beforeAll(async () => {
  await tenant(A);
  await tenant(B);
  tokenA = (await createToken(["subscriptions", "events"], { tenantId: A, rateLimit: 100_000 })).key;
  tokenB = (await createToken(["subscriptions", "events"], { tenantId: B, rateLimit: 100_000 })).key;
});

describe("subscriptions per tenant", () => {
  it("another tenant's subscription is 404 on every route, exactly like an unknown id", async () => {
    const sub = await subscribeAs(tokenA, { url: `${RECEIVER}/tenant/a-own`, events: ["tnd.own"] });
    expect(sub.tenantId).toBe(A);
    expect((await call(`/subscriptions/${sub.id}`, { token: tokenA })).status).toBe(200);
    const unknown = await call("/subscriptions/sub_doesnotexist", { token: tokenB });
    const probes: [string, string, unknown?][] = [
      ["GET", `/subscriptions/${sub.id}`],
      ["PATCH", `/subscriptions/${sub.id}`, { name: "stolen" }],
      ["PUT", `/subscriptions/${sub.id}`, { url: `${RECEIVER}/tenant/stolen`, events: ["*"] }],
      ["POST", `/subscriptions/${sub.id}/rotate-secret`, {}],
      ["POST", `/subscriptions/${sub.id}/test`],
      ["POST", `/subscriptions/${sub.id}/pause`],
      ["POST", `/subscriptions/${sub.id}/resume`],
      ["POST", `/subscriptions/${sub.id}/verify`],
      ["GET", `/subscriptions/${sub.id}/health`],
      ["GET", `/subscriptions/${sub.id}/public-key`],
      ["GET", `/subscriptions/${sub.id}/deliveries`],
      ["GET", `/subscriptions/${sub.id}/stats`],
      ["DELETE", `/subscriptions/${sub.id}`],
    ];
    for (const [method, path, body] of probes) {
      const res = await call(path, { method, token: tokenB, ...(body !== undefined ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.code, `${method} ${path}`).toBe("NOT_FOUND");
    }
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe("NOT_FOUND");
    // Nothing B tried changed A's subscription.
    const after = (await call(`/subscriptions/${sub.id}`, { token: tokenA })).json.data;
    expect(after).toMatchObject({ id: sub.id, tenantId: A, name: null, status: "active", url: `${RECEIVER}/tenant/a-own` });
  });

  it("lists show only the caller's tenant; the admin spans every tenant (each row with tenantId) or one with X-Tenant-ID", async () => {
    const a = await subscribeAs(tokenA, { url: `${RECEIVER}/tenant/a-list`, events: ["tnd.list"] });
    const b = await subscribeAs(tokenB, { url: `${RECEIVER}/tenant/b-list`, events: ["tnd.list"] });
    const ids = async (options: Parameters<typeof call>[1]) => ((await call("/subscriptions?limit=100", options)).json.data.items as { id: string; tenantId: string }[]);
    const ofB = await ids({ token: tokenB });
    expect(ofB.every((s) => s.tenantId === B)).toBe(true);
    expect(ofB.map((s) => s.id)).toContain(b.id);
    expect(ofB.map((s) => s.id)).not.toContain(a.id);
    expect((await call(`/subscriptions/${b.id}`, { headers: { "X-Tenant-ID": A } })).status).toBe(404);
    expect((await call(`/subscriptions/${b.id}`)).json.data.tenantId).toBe(B);
    const adminA = await ids({ headers: { "X-Tenant-ID": A } });
    expect(adminA.every((s) => s.tenantId === A)).toBe(true);
    expect(adminA.map((s) => s.id)).toContain(a.id);
    // The unbound admin: pages through every tenant.
    const all: { id: string; tenantId: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await call(`/subscriptions?limit=100${cursor ? `&cursor=${cursor}` : ""}`)).json.data;
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(all.find((s) => s.id === a.id)?.tenantId).toBe(A);
    expect(all.find((s) => s.id === b.id)?.tenantId).toBe(B);
    // Another tenant's id as a cursor starts nowhere (it is not found in the caller's tenant).
    expect((await call(`/subscriptions?cursor=${a.id}`, { token: tokenB })).json.data.items).toEqual([]);
  });

  it("a tenant's token without subscriptions of its own sees an empty list", async () => {
    await tenant("tnd-empty");
    const key = (await createToken(["subscriptions"], { tenantId: "tnd-empty" })).key;
    expect((await call("/subscriptions", { token: key })).json.data.items).toEqual([]);
    expect((await call("/channels", { token: key })).json.data.items).toEqual([]);
  });
});

describe("publish and deliveries per tenant", () => {
  it("an event published by A makes deliveries only for A's subscriptions; its delivery and attempts carry A", async () => {
    const a = await subscribeAs(tokenA, { url: DEAD, events: ["tnd.pub"], retryPolicy: { maxRetries: 0 } });
    const b = await subscribeAs(tokenB, { url: DEAD, events: ["tnd.pub"], retryPolicy: { maxRetries: 0 } });
    const published = await call("/events", { token: tokenA, body: { type: "tnd.pub", data: { n: 1 } } });
    expect(published.status, published.text).toBe(201);
    expect(published.json.data.tenantId).toBe(A);
    expect(published.json.data.deliveries).toBe(1);
    const rows = (await env.DB.prepare("SELECT subscription_id, tenant_id FROM deliveries WHERE event_id = ?").bind(published.json.data.id).all()).results;
    expect(rows).toEqual([{ subscription_id: a.id, tenant_id: A }]);
    expect((await call(`/subscriptions/${b.id}/deliveries`, { token: tokenB })).json.data.items).toEqual([]);
    // The attempt (the endpoint answers 503, no retries) is recorded in A's tenant.
    const delivery = await eventually(async () => {
      const items = (await call(`/subscriptions/${a.id}/deliveries`, { token: tokenA })).json.data.items;
      return items[0]?.status === "failed" ? items[0] : undefined;
    });
    expect(delivery.tenantId).toBe(A);
    const attempts = (await env.DB.prepare("SELECT tenant_id FROM attempts WHERE delivery_id = ?").bind(delivery.id).all()).results;
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((r) => r.tenant_id === A)).toBe(true);
    // B cannot read, retry or count A's delivery, even naming its own subscription with A's delivery id.
    expect((await call(`/subscriptions/${a.id}/deliveries/${delivery.id}`, { token: tokenB })).status).toBe(404);
    expect((await call(`/subscriptions/${a.id}/deliveries/${delivery.id}/retry`, { method: "POST", token: tokenB })).status).toBe(404);
    expect((await call(`/subscriptions/${b.id}/deliveries/${delivery.id}`, { token: tokenB })).status).toBe(404);
    const detail = await call(`/subscriptions/${a.id}/deliveries/${delivery.id}`, { token: tokenA });
    expect(detail.json.data).toMatchObject({ id: delivery.id, tenantId: A });
    expect(detail.json.data.attemptLog.length).toBeGreaterThan(0);
  });

  it("/queue/stats counts only the caller's tenant; retry-failed requeues only its rows", async () => {
    await tenant("tnd-q1");
    await tenant("tnd-q2");
    const q1 = (await createToken(["subscriptions", "events"], { tenantId: "tnd-q1" })).key;
    const q2 = (await createToken(["subscriptions", "events"], { tenantId: "tnd-q2" })).key;
    const s1 = await subscribeAs(q1, { url: DEAD, events: ["tnd.q"], retryPolicy: { maxRetries: 0 } });
    await subscribeAs(q2, { url: DEAD, events: ["tnd.q"], retryPolicy: { maxRetries: 0 } });
    for (let i = 0; i < 3; i++) expect((await call("/events", { token: q1, body: { type: "tnd.q", data: { i } } })).status).toBe(201);
    expect((await call("/events", { token: q2, body: { type: "tnd.q", data: {} } })).status).toBe(201);
    const total = (stats: any) => Object.values(stats.deliveries as Record<string, number>).reduce((x, y) => x + y, 0);
    await eventually(async () => ((await call("/queue/stats", { token: q1 })).json.data.deliveries.failed === 3 ? true : undefined));
    const one = (await call("/queue/stats", { token: q1 })).json.data;
    expect(total(one)).toBe(3);
    await eventually(async () => ((await call("/queue/stats", { token: q2 })).json.data.deliveries.failed === 1 ? true : undefined));
    expect(total((await call("/queue/stats", { token: q2 })).json.data)).toBe(1);
    expect(total((await call("/queue/stats", { headers: { "X-Tenant-ID": "tnd-q2" } })).json.data)).toBe(1);
    expect(total((await call("/queue/stats")).json.data)).toBeGreaterThanOrEqual(4);
    // q2's retry-failed takes only its one failed row, never q1's three.
    const retried = await call("/queue/retry-failed", { token: q2, body: { limit: 100 } });
    expect(retried.status, retried.text).toBe(202);
    expect(retried.json.data.retried).toBe(1);
    // q2 naming q1's subscription retries nothing.
    expect((await call("/queue/retry-failed", { token: q2, body: { limit: 100, subscriptionId: s1.id } })).json.data.retried).toBe(0);
    const stillFailed = (await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE tenant_id = 'tnd-q1' AND status = 'failed'").first<{ n: number }>())!.n;
    expect(stillFailed).toBe(3);
  });
});

describe("channels per tenant", () => {
  it("two tenants may each have a channel of the same name; each sees, changes and deletes only its own", async () => {
    const made = [];
    for (const token of [tokenA, tokenB]) {
      const res = await call("/channels", { token, body: { name: "tnd-ops", type: "webhook", url: DEAD } });
      expect(res.status, res.text).toBe(201);
      made.push(res.json.data);
    }
    expect(made.map((c) => c.tenantId)).toEqual([A, B]);
    expect(made[0].subscriptionId).not.toBe(made[1].subscriptionId);
    expect((await call("/channels", { token: tokenA, body: { name: "tnd-ops", type: "webhook", url: DEAD } })).status).toBe(422);
    expect((await call("/channels/tnd-ops", { token: tokenB })).json.data).toMatchObject({ tenantId: B, subscriptionId: made[1].subscriptionId });
    const patched = await call("/channels/tnd-ops", { method: "PATCH", token: tokenB, body: { type: "slack" } });
    expect(patched.json.data).toMatchObject({ tenantId: B, type: "slack" });
    expect((await call("/channels/tnd-ops", { token: tokenA })).json.data).toMatchObject({ tenantId: A, type: "webhook" });
    const listB = (await call("/channels", { token: tokenB })).json.data.items;
    expect(listB.every((c: any) => c.tenantId === B)).toBe(true);
    // A tenant's own channel only: another tenant's backing subscription stays 404.
    expect((await call(`/subscriptions/${made[0].subscriptionId}`, { token: tokenB })).status).toBe(404);
    expect((await call("/channels/tnd-ops", { method: "DELETE", token: tokenB })).status).toBe(200);
    expect((await call("/channels/tnd-ops", { token: tokenB })).status).toBe(404);
    expect((await call("/channels/tnd-ops", { token: tokenA })).status).toBe(200);
    // The admin names a tenant's channel with X-Tenant-ID; without it, names are the default tenant's.
    expect((await call("/channels/tnd-ops", { headers: { "X-Tenant-ID": A } })).json.data).toMatchObject({ tenantId: A, subscriptionId: made[0].subscriptionId });
    expect((await call("/channels/tnd-ops")).status).toBe(404);
    // The unbound admin lists every tenant's channels (each with tenantId).
    const all = (await call("/channels")).json.data.items.filter((c: any) => c.name === "tnd-ops");
    expect(all.map((c: any) => c.tenantId)).toEqual([A]);
  });

  it("a notification is routed to its tenant's channel of that name only", async () => {
    const a = (await call("/channels", { token: tokenA, body: { name: "tnd-route", type: "webhook", url: DEAD } })).json.data;
    const b = (await call("/channels", { token: tokenB, body: { name: "tnd-route", type: "webhook", url: DEAD } })).json.data;
    expect([a.tenantId, b.tenantId]).toEqual([A, B]);
    // notify.sent in B's tenant (as POST /notify publishes it) makes a delivery for B's channel only.
    const event = await publish(env, createExecutionContext(), { tenantId: B, type: "notify.sent", data: { notifId: "n1", channel: "tnd-route", status: "queued" } }, { enqueue: false });
    const rows = (await env.DB.prepare("SELECT subscription_id, tenant_id FROM deliveries WHERE event_id = ?").bind(event.id).all()).results;
    expect(rows).toEqual([{ subscription_id: b.subscriptionId, tenant_id: B }]);
    // POST /notify's lookup by name takes a TenantDb: a tenant without that channel finds none.
    expect(await channelStatuses(TenantDb.of(env.DB, B), ["tnd-route", "tnd-nowhere"])).toMatchObject({ "tnd-route": { status: "queued" }, "tnd-nowhere": { status: "failed" } });
    await tenant("tnd-gamma");
    expect((await channelStatuses(TenantDb.of(env.DB, "tnd-gamma"), ["tnd-route"]))["tnd-route"]!.status).toBe("failed");
  });
});
