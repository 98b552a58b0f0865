// Endpoint features against the shared `wrangler dev` with real receivers on 127.0.0.1: verification
// (and deliveries held until it), the health probe, Ed25519 (v1a) signatures checked with node:crypto
// (the CLI's --public-key is in cli.test.ts), and the adaptive rate against a receiver that answers 429 above N requests per second.
import { createPublicKey, verify as verifySignature } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Received, type Receiver } from "./receiver.ts";

const gatewayUrl = inject("gatewayUrl");
const api = gatewayClient(gatewayUrl, inject("adminToken"));
const receivers: Receiver[] = [];

afterAll(async () => {
  for (const r of receivers) await r.close();
});

async function receiver(respond: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

async function subscribe(body: Record<string, unknown>) {
  const res = await api("/subscriptions", { body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.data;
}

/** Answers a webhook.verification request with its challenge (as JSON), anything else 200. */
function echoChallenge(request: Received): [number, Record<string, string>?, string?] {
  const body = JSON.parse(request.body || "{}");
  if (body.type === "webhook.verification") return [200, { "Content-Type": "application/json" }, JSON.stringify({ challenge: body.data.challenge })];
  return [200];
}

/** True when a v1a entry of webhook-signature verifies under the whpk_ key (node:crypto, not the gateway's code). */
function verifiesV1a(publicKey: string, request: Received): boolean {
  const x = Buffer.from(publicKey.slice("whpk_".length), "base64").toString("base64url");
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
  const h = request.headers;
  const message = Buffer.from(`${h["webhook-id"]}.${h["webhook-timestamp"]}.${request.body}`);
  const entries = String(h["webhook-signature"]).split(" ").filter((e) => e.startsWith("v1a,"));
  return entries.some((e) => verifySignature(null, message, key, Buffer.from(e.slice(4), "base64")));
}

describe("verification", () => {
  it("verifies an endpoint that echoes the challenge, signed like a delivery, and not one that does not", async () => {
    const good = await receiver(echoChallenge);
    const sub = await subscribe({ url: `${good.url}/v`, events: ["ep.verify.*"] });
    expect(sub).toMatchObject({ verified: false, verifiedAt: null, requireVerification: false });
    const res = await api(`/subscriptions/${sub.id}/verify`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ verified: true, statusCode: 200, error: null });
    const [request] = good.requests;
    expect(JSON.parse(request!.body)).toMatchObject({ type: "webhook.verification", data: { challenge: expect.any(String) } });
    verifyStandard(sub.secret, request!);
    const after = (await api(`/subscriptions/${sub.id}`)).json.data;
    expect(after).toMatchObject({ verified: true, verifiedAt: res.json.data.verifiedAt });

    const plain = await receiver(() => [200, {}, "ok"]);
    const other = await subscribe({ url: `${plain.url}/v`, events: ["ep.verify.*"] });
    const refused = (await api(`/subscriptions/${other.id}/verify`, { method: "POST" })).json.data;
    expect(refused).toMatchObject({ verified: false, verifiedAt: null, statusCode: 200 });
    expect(refused.error).toContain("challenge");
    expect((await api(`/subscriptions/sub-doesnotexist000/verify`, { method: "POST" })).status).toBe(404);
  });

  it("holds deliveries of a subscription created with requireVerification until it is verified", async () => {
    const r = await receiver(echoChallenge);
    const sub = await subscribe({ url: `${r.url}/held`, events: ["ep.held.*"], requireVerification: true });
    expect(sub.requireVerification).toBe(true);
    for (let i = 0; i < 3; i++) await api("/events", { body: { type: "ep.held.x", data: { i } } });
    // The consumer holds them (next_at NULL) instead of sending.
    await eventually(async () => {
      const items = (await api(`/subscriptions/${sub.id}/deliveries`)).json.data.items;
      return items.length === 3 && items.every((d: any) => d.held && d.status === "pending") ? true : undefined;
    }, 20_000);
    expect(r.requests).toHaveLength(0);
    expect((await api(`/subscriptions/${sub.id}/test`, { method: "POST" })).status).toBe(422);
    const verified = (await api(`/subscriptions/${sub.id}/verify`, { method: "POST" })).json.data;
    expect(verified).toMatchObject({ verified: true, released: 3 });
    const delivered = await r.waitFor(3, { match: (q: Received) => q.path === "/held" && JSON.parse(q.body).type === "ep.held.x" });
    expect(delivered.map((q) => JSON.parse(q.body).data.i).sort()).toEqual([0, 1, 2]);
  });
});

describe("health probe", () => {
  it("probes with HEAD, falls back to GET on 405, and keeps the last result on the subscription", async () => {
    const r = await receiver((q) => (q.method === "HEAD" ? [405] : [200]));
    const sub = await subscribe({ url: `${r.url}/probe`, events: ["ep.health.*"], headers: { "X-Probe-Key": "k1" } });
    const res = await api(`/subscriptions/${sub.id}/health`);
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ status: "healthy", responseCode: 200, responseTimeMs: expect.any(Number), checkedAt: expect.any(String) });
    expect(r.requests.map((q: Received) => q.method)).toEqual(["HEAD", "GET"]);
    expect(r.requests[1]!.headers["x-probe-key"]).toBe("k1");
    expect((await api(`/subscriptions/${sub.id}`)).json.data.lastHealthCheck).toEqual(res.json.data);
  });

  it("calls an endpoint answering 503 unhealthy and a closed port unreachable", async () => {
    const down = await receiver(() => [503]);
    const sick = await subscribe({ url: `${down.url}/probe`, events: ["ep.health.*"] });
    expect((await api(`/subscriptions/${sick.id}/health`)).json.data).toMatchObject({ status: "unhealthy", responseCode: 503 });
    expect(down.requests.map((q: Received) => q.method)).toEqual(["HEAD"]);
    const gone = await receiver(() => [200]);
    const url = `${gone.url}/probe`;
    await gone.close();
    receivers.splice(receivers.indexOf(gone), 1);
    const dead = await subscribe({ url, events: ["ep.health.*"] });
    const probe = (await api(`/subscriptions/${dead.id}/health`)).json.data;
    expect(probe.status).toBe("unreachable");
    expect(probe.responseCode).toBeUndefined();
  });
});

describe("Ed25519 signing", () => {
  it("signs with v1a alone and publishes the public key that checks it", async () => {
    const r = await receiver(() => [200]);
    const sub = await subscribe({ url: `${r.url}/ed`, events: ["ep.ed.*"], signing: { scheme: "ed25519" } });
    expect(sub.signing).toEqual({ scheme: "ed25519", publicKey: expect.stringMatching(/^whpk_/) });
    const key = (await api(`/subscriptions/${sub.id}/public-key`)).json.data.publicKey;
    expect(key).toBe(sub.signing.publicKey);
    await api("/events", { body: { type: "ep.ed.x", data: { n: 1 } } });
    const [delivery] = await r.waitFor(1);
    expect(delivery!.headers["webhook-signature"]).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(delivery!.headers["x-webhook-signature"]).toBeUndefined();
    expect(verifiesV1a(key, delivery!)).toBe(true);
    expect(verifiesV1a(key, { ...delivery!, body: delivery!.body + " " })).toBe(false);

  });

  it("signs with v1 and v1a side by side while switching from hmac to ed25519", async () => {
    const r = await receiver(() => [200]);
    const sub = await subscribe({ url: `${r.url}/switch`, events: ["ep.switch.*"] });
    expect(sub.signing).toEqual({ scheme: "hmac" });
    expect((await api(`/subscriptions/${sub.id}/public-key`)).status).toBe(404);
    const patched = (await api(`/subscriptions/${sub.id}`, { method: "PATCH", body: { signing: { scheme: "ed25519" } } })).json.data;
    await api("/events", { body: { type: "ep.switch.x", data: {} } });
    const [delivery] = await r.waitFor(1);
    const entries = String(delivery!.headers["webhook-signature"]).split(" ");
    expect(entries.map((e) => e.slice(0, e.indexOf(",")))).toEqual(["v1", "v1a"]);
    verifyStandard(sub.secret, delivery!);
    expect(verifiesV1a(patched.signing.publicKey, delivery!)).toBe(true);
  });
});

describe("adaptive throttling", () => {
  it("settles the rate near what a receiver answering 429 above N per second accepts, without dead letters", async () => {
    const N = 5;
    const EVENTS = 40;
    const accepted: number[] = [];
    let refused = 0;
    const r = await receiver(() => {
      const now = Date.now();
      if (accepted.filter((t) => t > now - 1000).length >= N) {
        refused++;
        return [429];
      }
      accepted.push(now);
      return [200];
    });
    const sub = await subscribe({ url: `${r.url}/busy`, events: ["ep.busy.*"], retryPolicy: { strategy: "fixed", maxRetries: 10, initialDelayMs: 1000 } });
    await Promise.all(Array.from({ length: EVENTS }, (_, i) => api("/events", { body: { type: "ep.busy.x", data: { i } } })));
    const rates: number[] = [];
    let throttledSeen = false;
    const stats = await eventually(async () => {
      const s = (await api(`/subscriptions/${sub.id}/stats`)).json.data;
      if (s.throttled) {
        throttledSeen = true;
        rates.push(s.currentRate);
      }
      return s.success === EVENTS ? s : undefined;
    }, 90_000);
    const perSecond = (accepted.length - 1) / ((accepted.at(-1)! - accepted[0]!) / 1000);
    expect(stats.failed).toBe(0);
    expect(throttledSeen).toBe(true);
    // The rate the gateway held the endpoint to, over the second half of the run, lies near N.
    const late = rates.slice(Math.floor(rates.length / 2));
    const mean = late.reduce((a, b) => a + b, 0) / late.length;
    expect(mean).toBeGreaterThan(0.4 * N);
    expect(mean).toBeLessThan(2 * N);
    // Throughput from the first to the last accepted request (the first burst included) stayed
    // near N per second (measured 3.1–4 for N = 5; with 429s opening the breaker it was 0.9).
    expect(perSecond).toBeGreaterThan(0.4 * N);
    console.log(JSON.stringify({ test: "adaptive rate", N, accepted: accepted.length, refused, perSecond: Number(perSecond.toFixed(2)), meanLateRate: Number(mean.toFixed(2)) }));
  });
});
