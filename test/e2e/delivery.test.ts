// Outbound delivery end to end: a real `wrangler dev`, real receivers on 127.0.0.1, signatures checked
// with the standardwebhooks library and the X-Webhook-Signature rule.
import { afterEach, describe, expect, inject, it } from "vitest";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { receiversClosedAfterEach, verifyStandard, verifyXWebhook, type Receiver } from "./receiver.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
let seq = 0;

const receiver = receiversClosedAfterEach(afterEach);

/** A subscription to a fresh event namespace on `r`; returns it with its secret and the namespace. */
async function subscribe(r: Receiver, extra: Record<string, unknown> = {}) {
  const ns = `e2e${++seq}${Date.now().toString(36)}`;
  const res = await api("/subscriptions", { body: { url: `${r.url}/hook`, events: [`${ns}.*`], retryPolicy: { initialDelayMs: 1000 }, ...extra } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return { sub: res.json.data, secret: res.json.data.secret as string, ns };
}

async function publish(type: string, data: Record<string, unknown>, metadata?: Record<string, unknown>) {
  const res = await api("/events", { body: { type, data, ...(metadata ? { metadata } : {}) } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.data;
}

async function deliveryOf(subId: string, wanted: (d: any) => boolean) {
  return eventually(async () => {
    const list = await api(`/subscriptions/${subId}/deliveries`);
    const d = list.json.data.items[0];
    if (!d || !wanted(d)) return undefined;
    return (await api(`/subscriptions/${subId}/deliveries/${d.id}`)).json.data;
  });
}

describe("signed delivery", () => {
  it("delivers the event body with Standard Webhooks and X-Webhook-* headers that verify", async () => {
    const r = await receiver();
    const { sub, secret, ns } = await subscribe(r, { headers: { "X-Team": "blue" }, auth: { type: "bearer", token: "tok-123" } });
    const event = await publish(`${ns}.created`, { orderId: "o1", total: 42 }, { source: "e2e" });
    const [req] = await r.waitFor(1);
    expect(req!.method).toBe("POST");
    expect(JSON.parse(req!.body)).toEqual({ id: event.id, type: `${ns}.created`, timestamp: event.timestamp, data: { orderId: "o1", total: 42 }, metadata: { source: "e2e" }, tenantId: "default" });
    expect(verifyStandard(secret, req!)).toEqual(JSON.parse(req!.body));
    expect(verifyXWebhook(secret, req!)).toBe(true);
    expect(verifyXWebhook("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", req!)).toBe(false);
    expect(req!.headers).toMatchObject({
      "content-type": "application/json",
      "webhook-id": event.id,
      "x-webhook-id": event.id,
      "x-webhook-event": `${ns}.created`,
      "x-webhook-attempt": "1",
      "x-team": "blue",
      authorization: "Bearer tok-123",
    });
    expect(req!.headers["user-agent"]).toMatch(/^edgehook\/\d+\.\d+\.\d+$/);
    expect(Math.abs(Number(req!.headers["x-webhook-timestamp"]) - Date.now())).toBeLessThan(60_000);
    expect(Number(req!.headers["webhook-timestamp"])).toBe(Math.floor(Number(req!.headers["x-webhook-timestamp"]) / 1000));
    const delivery = await deliveryOf(sub.id, (d) => d.status === "success");
    expect(delivery.attemptLog).toHaveLength(1);
    expect(delivery.attemptLog[0]).toMatchObject({ attempt: 1, statusCode: 200, verdict: "success", responseBody: "ok" });
  });

  it("POST /subscriptions/:id/test sends webhook.test now and reports the attempt", async () => {
    const r = await receiver();
    const { sub, secret } = await subscribe(r);
    const res = await api(`/subscriptions/${sub.id}/test`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ success: true, status: "success", attempt: { attempt: 1, statusCode: 200, verdict: "success" } });
    const [req] = await r.waitFor(1);
    expect(JSON.parse(req!.body).type).toBe("webhook.test");
    verifyStandard(secret, req!);
  });
});

describe("retries", () => {
  it("a receiver that fails twice then succeeds gets 3 attempts with growing delays and one webhook-id", async () => {
    const r = await receiver((_req, i) => (i < 2 ? [500, {}, "boom"] : [200]));
    const { sub, secret, ns } = await subscribe(r);
    const event = await publish(`${ns}.flaky`, { n: 1 });
    const reqs = await r.waitFor(3, { timeoutMs: 30_000 });
    expect(reqs.map((q) => q.headers["webhook-id"])).toEqual([event.id, event.id, event.id]);
    expect(reqs.map((q) => q.headers["x-webhook-attempt"])).toEqual(["1", "2", "3"]);
    for (const q of reqs) verifyStandard(secret, q);
    const gap1 = reqs[1]!.receivedAt - reqs[0]!.receivedAt;
    const gap2 = reqs[2]!.receivedAt - reqs[1]!.receivedAt;
    expect(gap1).toBeGreaterThanOrEqual(900);
    expect(gap2).toBeGreaterThan(gap1);
    const delivery = await deliveryOf(sub.id, (d) => d.status === "success");
    expect(delivery.attemptLog.map((a: any) => [a.attempt, a.statusCode, a.verdict])).toEqual([
      [1, 500, "retry"],
      [2, 500, "retry"],
      [3, 200, "success"],
    ]);
  });

  it("429 with Retry-After is honoured", async () => {
    const r = await receiver((_req, i) => (i === 0 ? [429, { "Retry-After": "3" }, "slow down"] : [200]));
    const { ns } = await subscribe(r, { retryPolicy: { initialDelayMs: 100 } });
    await publish(`${ns}.limited`, {});
    const reqs = await r.waitFor(2, { timeoutMs: 30_000 });
    expect(reqs[1]!.receivedAt - reqs[0]!.receivedAt).toBeGreaterThanOrEqual(2900);
  });

  it("a timeout is retried", async () => {
    const r = await receiver((_req, i) => (i === 0 ? "hang" : [200]));
    const { sub, ns } = await subscribe(r, { timeoutMs: 500, retryPolicy: { initialDelayMs: 1000 } });
    await publish(`${ns}.slow`, {});
    await r.waitFor(2, { timeoutMs: 30_000 });
    const delivery = await deliveryOf(sub.id, (d) => d.status === "success");
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: null, verdict: "retry" });
    expect(delivery.attemptLog[0].error).toMatch(/timeout/);
    expect(delivery.attemptLog[1]).toMatchObject({ statusCode: 200, verdict: "success" });
  });

  it("a 4xx is not retried and the delivery is dead-lettered as failed", async () => {
    const r = await receiver(() => [400, {}, "bad payload"]);
    const { sub, ns } = await subscribe(r, { retryPolicy: { initialDelayMs: 200 } });
    await publish(`${ns}.rejected`, {});
    await r.waitFor(1);
    const delivery = await deliveryOf(sub.id, (d) => d.status === "failed" && d.deadLetteredAt !== null);
    expect(delivery.attemptLog).toHaveLength(1);
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: 400, verdict: "fail", responseBody: "bad payload" });
    await new Promise((res) => setTimeout(res, 2500));
    expect(r.requests).toHaveLength(1);
  });

  it("a 3xx is a failed attempt and the redirect is not followed", async () => {
    const target = await receiver();
    const r = await receiver(() => [302, { Location: `${target.url}/elsewhere` }, ""]);
    const { sub, ns } = await subscribe(r);
    await publish(`${ns}.moved`, {});
    const delivery = await deliveryOf(sub.id, (d) => d.status === "failed");
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: 302, verdict: "fail" });
    expect(target.requests).toHaveLength(0);
  });
});

describe("endpoint health", () => {
  it("410 Gone disables the subscription at once and announces subscription.disabled", async () => {
    const watcher = await receiver();
    const r = await receiver(() => [410, {}, "gone"]);
    const { sub, ns } = await subscribe(r);
    const watch = await api("/subscriptions", {
      body: { url: `${watcher.url}/watch`, events: ["subscription.disabled"], filters: { all: [{ field: "data.subscriptionId", operator: "equals", value: sub.id }] } },
    });
    expect(watch.status).toBe(201);
    await publish(`${ns}.one`, {});
    const disabled = await eventually(async () => {
      const s = (await api(`/subscriptions/${sub.id}`)).json.data;
      return s.status === "disabled" ? s : undefined;
    });
    expect(disabled).toMatchObject({ active: false, disabledReason: expect.stringContaining("410") });
    const [announcement] = await watcher.waitFor(1);
    expect(JSON.parse(announcement!.body)).toMatchObject({ type: "subscription.disabled", data: { subscriptionId: sub.id, url: `${r.url}/hook` } });
    verifyStandard(watch.json.data.secret, announcement!);
    // Further events are held, not attempted.
    await publish(`${ns}.two`, {});
    await new Promise((res) => setTimeout(res, 2000));
    expect(r.requests).toHaveLength(1);
  });

  it("a paused subscription keeps events and catches up on resume", async () => {
    const r = await receiver();
    const { sub, secret, ns } = await subscribe(r);
    expect((await api(`/subscriptions/${sub.id}/pause`, { method: "POST" })).json.data.status).toBe("paused");
    const events = [];
    for (let i = 0; i < 3; i++) events.push(await publish(`${ns}.held`, { i }));
    await new Promise((res) => setTimeout(res, 2000));
    expect(r.requests).toHaveLength(0);
    const resumed = await api(`/subscriptions/${sub.id}/resume`, { method: "POST" });
    expect(resumed.json.data).toMatchObject({ status: "active", released: 3 });
    const reqs = await r.waitFor(3);
    expect(new Set(reqs.map((q) => q.headers["webhook-id"]))).toEqual(new Set(events.map((e) => e.id)));
    for (const q of reqs) verifyStandard(secret, q);
  });
});

describe("secrets, filters and templates", () => {
  it("a rotated secret yields two signatures that both verify during the grace period", async () => {
    const r = await receiver();
    const { sub, secret: oldSecret, ns } = await subscribe(r);
    const rotated = await api(`/subscriptions/${sub.id}/rotate-secret`, { method: "POST" });
    const newSecret = rotated.json.data.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    await publish(`${ns}.rotated`, { x: 1 });
    const [req] = await r.waitFor(1);
    expect(String(req!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(String(req!.headers["x-webhook-signature"]).split(",")).toHaveLength(2);
    verifyStandard(oldSecret, req!);
    verifyStandard(newSecret, req!);
    expect(verifyXWebhook(oldSecret, req!)).toBe(true);
    expect(verifyXWebhook(newSecret, req!)).toBe(true);
  });

  it("filters choose what arrives and templates shape it, keeping JSON types", async () => {
    const r = await receiver();
    const { secret, ns } = await subscribe(r, {
      filters: { all: [{ field: "data.amount", operator: "greater_than", value: 100 }], any: [{ field: "data.currency", operator: "in", value: ["EUR", "USD"] }] },
      template: { text: "Order {{data.id}} for {{data.amount}} {{data.currency}}", amount: "{{data.amount}}", customer: "{{data.customer}}", kind: "{{event.type}}" },
    });
    await publish(`${ns}.order`, { id: "small", amount: 50, currency: "EUR" });
    await publish(`${ns}.order`, { id: "gbp", amount: 500, currency: "GBP" });
    const big = await publish(`${ns}.order`, { id: "big", amount: 150, currency: "EUR", customer: { tier: "gold" } });
    const [req] = await r.waitFor(1);
    expect(JSON.parse(req!.body)).toEqual({ text: "Order big for 150 EUR", amount: 150, customer: { tier: "gold" }, kind: `${ns}.order` });
    expect(req!.headers["webhook-id"]).toBe(big.id);
    verifyStandard(secret, req!);
    expect(verifyXWebhook(secret, req!)).toBe(true);
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.requests).toHaveLength(1);
  });

  it("the slack preset renders a Slack message", async () => {
    const r = await receiver();
    const { ns } = await subscribe(r, { template: "slack" });
    await publish(`${ns}.alert`, { level: "high" });
    const [req] = await r.waitFor(1);
    const body = JSON.parse(req!.body);
    expect(body.text).toBe(`edgehook: ${ns}.alert`);
    expect(body.blocks[0].text.text).toContain('"level": "high"');
  });
});

describe("notification channels", () => {
  it("POST /notify delivers to a slack channel in Slack's format, signed", async () => {
    const r = await receiver();
    const name = `slack-${Date.now().toString(36)}`;
    const channel = await api("/channels", { body: { name, type: "slack", url: `${r.url}/slack` } });
    expect(channel.status).toBe(201);
    const res = await fetch(`${inject("gatewayUrl")}/webhooks/v2/notify`, {
      method: "POST",
      headers: { Authorization: `Bearer ${inject("adminToken")}`, "Content-Type": "application/json" },
      body: JSON.stringify({ action: "send_notification", priority: "P0", title: "Disk full", body: "db-1 at 99%", channels: [name] }),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as any).data.channels[name]).toEqual({ status: "queued" });
    const [req] = await r.waitFor(1);
    expect(req!.path).toBe("/slack");
    expect(JSON.parse(req!.body)).toEqual({ text: "*Disk full* (P0)\ndb-1 at 99%" });
    expect(req!.headers["x-webhook-event"]).toBe("notify.sent");
    verifyStandard(channel.json.data.secret, req!);
  });
});
