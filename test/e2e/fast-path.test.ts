// The delivery fast path end to end (the publishing request makes the first attempt): a SIGKILL
// between its claim and its record still delivers (same webhook-id, attempt 2); a failing first
// attempt is retried through the queue with the policy's delays; the endpoint guard (breaker, rate)
// holds when 50 publishers hit one endpoint at once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../scripts/wrangler-dev.mjs";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Receiver, type Responder } from "./receiver.ts";

const PUBLISHERS = 50;
const persistTo = mkdtempSync(join(tmpdir(), "edgehook-fast-path-"));
// A quick sweep (recovery after the kill); a breaker that opens after 5 attempts and stays open for
// the whole test; no auto-disable, so the breaker alone holds the failing endpoint back.
const vars = { SWEEP_INTERVAL_SECONDS: "1", SWEEP_GRACE_SECONDS: "1", BREAKER_MIN_REQUESTS: "5", BREAKER_FAILURE_RATE: "0.5", BREAKER_COOLDOWN_SECONDS: "120", AUTO_DISABLE_AFTER_FAILURES: "0" };
let gateway: WranglerDev;
const receivers: Receiver[] = [];

beforeAll(async () => {
  gateway = await startWranglerDev({ persistTo, vars });
}, 240_000);

afterAll(async () => {
  for (const r of receivers) await r.close().catch(() => undefined);
  await gateway?.stop().catch(() => undefined);
  rmSync(persistTo, { recursive: true, force: true });
});

async function receiver(respond?: Responder) {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

/** Publishes `perPublisher` events from each of PUBLISHERS concurrent clients; returns the event ids. */
async function publishConcurrently(api: ReturnType<typeof gatewayClient>, type: string, perPublisher: number): Promise<string[]> {
  const ids = await Promise.all(
    Array.from({ length: PUBLISHERS }, async (_, p) => {
      const mine: string[] = [];
      for (let i = 0; i < perPublisher; i++) {
        const res = await api("/events", { body: { type, data: { p, i } } });
        expect(res.status, JSON.stringify(res.json)).toBe(201);
        mine.push(res.json.data.id);
      }
      return mine;
    }),
  );
  return ids.flat();
}

describe("fast path crash safety", () => {
  it("a SIGKILL between claim and record still delivers: same webhook-id, attempt 2", async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? [200] : "hang"));
    const api = gatewayClient(gateway.url, gateway.adminToken);
    const created = await api("/subscriptions", { body: { url: `${r.url}/hook`, events: ["fast.crash"], timeoutMs: 1000, retryPolicy: { initialDelayMs: 1000, maxRetries: 5 } } });
    expect(created.status).toBe(201);
    const published = await api("/events", { body: { type: "fast.crash", data: {} } });
    expect(published.status).toBe(201);
    // The first attempt is at the receiver, unanswered: claimed, not recorded. Then the process dies.
    const [first] = await r.waitFor(1, { timeoutMs: 30_000 });
    expect(first!.headers["x-webhook-attempt"]).toBe("1");
    await gateway.kill();

    healthy = true;
    gateway = await startWranglerDev({ persistTo, vars });
    const again = gatewayClient(gateway.url, gateway.adminToken);
    const [, second] = await r.waitFor(2, { timeoutMs: 90_000 });
    expect(second!.headers["webhook-id"]).toBe(published.json.data.id);
    expect(first!.headers["webhook-id"]).toBe(published.json.data.id);
    expect(second!.headers["x-webhook-attempt"]).toBe("2");
    verifyStandard(created.json.data.secret, second!);
    const delivery = await eventually(async () => {
      const items = (await again(`/subscriptions/${created.json.data.id}/deliveries`)).json.data.items as { status: string; attempts: number }[];
      return items[0]?.status === "success" ? items[0] : undefined;
    }, 30_000);
    expect(delivery).toMatchObject({ status: "success", attempts: 2 });
  }, 240_000);
});

describe("the endpoint guard under 50 concurrent publishers", () => {
  it("the per-endpoint rate holds", async () => {
    const r = await receiver(() => [200]);
    const api = gatewayClient(gateway.url, gateway.adminToken);
    const rate = 5;
    const sub = (await api("/subscriptions", { body: { url: `${r.url}/hook`, events: ["fast.rate"], rateLimit: rate } })).json.data;
    const ids = await publishConcurrently(api, "fast.rate", 1);
    const arrivals = (await r.waitFor(PUBLISHERS, { timeoutMs: 90_000 })).map((q) => q.receivedAt).sort((a, b) => a - b);
    expect(new Set(r.requests.map((q) => q.headers["webhook-id"]))).toEqual(new Set(ids));
    // A bucket of `rate` refilled at `rate`/s: the 50 need at least (50 - rate) / rate seconds, and
    // no 2 s window holds more than the bucket plus 3 s of refill (1 s for the spread between
    // admission and arrival on a loaded machine); without the guard all 50 land at once.
    const span = arrivals.at(-1)! - arrivals[0]!;
    const relative = arrivals.map((t) => t - arrivals[0]!);
    expect(span, JSON.stringify(relative)).toBeGreaterThanOrEqual(((PUBLISHERS - rate) / rate) * 1000 - 500);
    const busiest = Math.max(...arrivals.map((t) => arrivals.filter((u) => u >= t && u < t + 2000).length));
    expect(busiest, JSON.stringify(relative)).toBeLessThanOrEqual(rate + 3 * rate);
    await api(`/subscriptions/${sub.id}`, { method: "DELETE" });
  }, 120_000);

  it("the circuit breaker holds: once open, nothing more reaches the failing endpoint", async () => {
    const r = await receiver(() => [500]);
    const api = gatewayClient(gateway.url, gateway.adminToken);
    const sub = (await api("/subscriptions", { body: { url: `${r.url}/hook`, events: ["fast.breaker"], retryPolicy: { initialDelayMs: 1000, maxRetries: 5 } } })).json.data;
    const ids = await publishConcurrently(api, "fast.breaker", 4);
    expect(ids).toHaveLength(PUBLISHERS * 4);
    await eventually(async () => ((await api(`/subscriptions/${sub.id}/stats`)).json.data.circuit === "open" ? true : undefined), 30_000);
    // Attempts admitted before the breaker's first five outcomes were recorded may still land.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const attempted = r.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    // Open for 120 s: neither first attempts nor queued retries go out, and far fewer than the
    // 200 published ever did.
    expect(r.requests.length).toBe(attempted);
    expect(attempted).toBeLessThan(ids.length / 2);
    const pending = (await api(`/subscriptions/${sub.id}/deliveries?limit=100`)).json.data.items as { status: string }[];
    expect(pending.every((d) => d.status === "retrying" || d.status === "pending")).toBe(true);
    await api(`/subscriptions/${sub.id}`, { method: "DELETE" });
  }, 120_000);
});

describe("a failing first attempt", () => {
  it("is retried through the queue with the policy's delays and the same webhook-id", async () => {
    // The shared gateway: its sweep waits 30 s, so attempts within seconds come from the queue.
    const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
    const r = await receiver((_req, i) => (i < 2 ? [503] : [200]));
    const sub = (await api("/subscriptions", { body: { url: `${r.url}/hook`, events: ["fast.retry.e2e"], retryPolicy: { strategy: "exponential", initialDelayMs: 2000, maxRetries: 3 } } })).json.data;
    const event = (await api("/events", { body: { type: "fast.retry.e2e", data: {} } })).json.data;
    const reqs = await r.waitFor(3, { timeoutMs: 30_000 });
    expect(reqs.map((q) => q.headers["webhook-id"])).toEqual([event.id, event.id, event.id]);
    expect(reqs.map((q) => q.headers["x-webhook-attempt"])).toEqual(["1", "2", "3"]);
    // Exponential from 2 s with up to +20 % jitter, carried as whole queue-delay seconds: 2 s, then 4–5 s.
    const gap1 = reqs[1]!.receivedAt - reqs[0]!.receivedAt;
    const gap2 = reqs[2]!.receivedAt - reqs[1]!.receivedAt;
    expect(gap1).toBeGreaterThanOrEqual(1900);
    expect(gap1).toBeLessThan(2400 + 5000);
    expect(gap2).toBeGreaterThanOrEqual(3900);
    expect(gap2).toBeLessThan(4800 + 5000);
    const detail = await eventually(async () => {
      const d = (await api(`/subscriptions/${sub.id}/deliveries`)).json.data.items[0];
      return d?.status === "success" ? (await api(`/subscriptions/${sub.id}/deliveries/${d.id}`)).json.data : undefined;
    });
    expect(detail.attemptLog.map((a: any) => [a.attempt, a.statusCode])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    await api(`/subscriptions/${sub.id}`, { method: "DELETE" });
  }, 60_000);
});
