// Endpoint health end to end with small thresholds: auto-disable after consecutive failures, the
// circuit breaker holding deliveries while open, and the per-subscription delivery rate.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../scripts/wrangler-dev.mjs";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Receiver } from "./receiver.ts";

let gateway: WranglerDev;
let api: ReturnType<typeof gatewayClient>;
const receivers: Receiver[] = [];

beforeAll(async () => {
  gateway = await startWranglerDev({
    vars: { AUTO_DISABLE_AFTER_FAILURES: "3", BREAKER_MIN_REQUESTS: "2", BREAKER_FAILURE_RATE: "0.5", BREAKER_COOLDOWN_SECONDS: "4" },
  });
  api = gatewayClient(gateway.url, gateway.adminToken);
});

afterAll(async () => {
  for (const r of receivers) await r.close();
  await gateway?.stop();
});

async function receiver(respond: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

describe("endpoint health", () => {
  it("disables a subscription after the configured consecutive failures and announces it", async () => {
    const watcher = await receiver(() => [200]);
    const failing = await receiver(() => [503]);
    const sub = (await api("/subscriptions", { body: { url: `${failing.url}/hook`, events: ["health.a.*"], retryPolicy: { maxRetries: 0 } } })).json.data;
    const watch = (await api("/subscriptions", { body: { url: `${watcher.url}/w`, events: ["subscription.disabled"] } })).json.data;
    for (let i = 0; i < 3; i++) await api("/events", { body: { type: "health.a.x", data: { i } } });
    const disabled = await eventually(async () => {
      const s = (await api(`/subscriptions/${sub.id}`)).json.data;
      return s.status === "disabled" ? s : undefined;
    }, 30_000);
    expect(disabled.disabledReason).toContain("3 consecutive failed attempts");
    expect(disabled.consecutiveFailures).toBe(3);
    const [announcement] = await watcher.waitFor(1);
    expect(JSON.parse(announcement!.body).data).toMatchObject({ subscriptionId: sub.id, consecutiveFailures: 3 });
    verifyStandard(watch.secret, announcement!);
    // Resume resets the failure count.
    const resumed = (await api(`/subscriptions/${sub.id}/resume`, { method: "POST" })).json.data;
    expect(resumed).toMatchObject({ status: "active", consecutiveFailures: 0 });
    await api(`/subscriptions/${sub.id}`, { method: "DELETE" });
    await api(`/subscriptions/${watch.id}`, { method: "DELETE" });
  });

  it("an open circuit holds deliveries without attempting them, then a probe closes it", async () => {
    let up = false;
    const flaky = await receiver(() => (up ? [200] : [500]));
    const sub = (await api("/subscriptions", { body: { url: `${flaky.url}/hook`, events: ["health.b.*"], retryPolicy: { maxRetries: 10, initialDelayMs: 1000, strategy: "fixed" } } })).json.data;
    await api("/events", { body: { type: "health.b.x", data: {} } });
    await api("/events", { body: { type: "health.b.x", data: {} } });
    // Two failures in the window open the circuit (below the disable threshold of 3).
    await eventually(async () => ((await api(`/subscriptions/${sub.id}/stats`)).json.data.circuit === "open" ? true : undefined), 30_000);
    const attemptsWhenOpened = flaky.requests.length;
    up = true;
    await new Promise((r) => setTimeout(r, 2000));
    // Still inside the 4 s cool-down: nothing was attempted.
    expect(flaky.requests.length).toBe(attemptsWhenOpened);
    const stats = await eventually(async () => {
      const s = (await api(`/subscriptions/${sub.id}/stats`)).json.data;
      return s.success === 2 ? s : undefined;
    }, 40_000);
    expect(stats.circuit).toBe("closed");
    await api(`/subscriptions/${sub.id}`, { method: "DELETE" });
  });

  it("a per-subscription rate spaces deliveries out", async () => {
    const r = await receiver(() => [200]);
    const sub = (await api("/subscriptions", { body: { url: `${r.url}/hook`, events: ["health.c.*"], rateLimit: 1 } })).json.data;
    for (let i = 0; i < 4; i++) await api("/events", { body: { type: "health.c.x", data: { i } } });
    const reqs = await r.waitFor(4, { timeoutMs: 40_000 });
    const span = reqs[3]!.receivedAt - reqs[0]!.receivedAt;
    expect(span).toBeGreaterThanOrEqual(2000);
    await api(`/subscriptions/${sub.id}`, { method: "DELETE" });
  });
});
