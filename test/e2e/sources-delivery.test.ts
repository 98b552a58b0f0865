// Each provider's verified delivery reaches a subscribed receiver on 127.0.0.1 through the delivery engine.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Receiver } from "./receiver.ts";
import { bodies, configureSources, deliver, EXPECTED_TYPES, SECRETS, signers, type Signed } from "./source-signers.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const api = gatewayClient(url, admin);
const PROVIDERS = Object.keys(SECRETS) as (keyof typeof SECRETS)[];
let receiver: Receiver;
let secret: string;

async function signed(provider: keyof typeof SECRETS): Promise<Signed> {
  const id = `${provider}-${randomUUID()}`;
  return signers[provider]!(bodies[provider]!(id), SECRETS[provider], id);
}

beforeAll(async () => {
  await configureSources(url, admin);
  receiver = await startReceiver();
  const res = await api("/subscriptions", { body: { url: `${receiver.url}/sources`, events: PROVIDERS.map((p) => `${p}.*`) } });
  if (res.status !== 201) throw new Error(`subscription: ${res.status} ${JSON.stringify(res.json)}`);
  secret = res.json.data.secret;
});

afterAll(() => receiver?.close());

describe("provider events reach a subscribed receiver", () => {
  it("delivers each provider's event, signed, with the payload as data and the provider ids as metadata", async () => {
    const sent = new Map<string, { provider: string; body: unknown; deliveryId: string }>();
    for (const provider of PROVIDERS) {
      const request = await signed(provider);
      const res = await deliver(url, provider, request);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      sent.set(res.json.data.eventId, { provider, body: JSON.parse(request.body), deliveryId: res.json.data.deliveryId });
    }
    const received = await receiver.waitFor(sent.size, { match: (r) => sent.has(String(r.headers["webhook-id"])) });
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(PROVIDERS.length);
    for (const request of received) {
      const event = verifyStandard(secret, request) as { id: string };
      const expected = sent.get(event.id)!;
      expect(event).toMatchObject({ type: EXPECTED_TYPES[expected.provider], data: expected.body, metadata: { source: expected.provider, deliveryId: expected.deliveryId } });
    }
  });

  it("delivers a provider's retried delivery once", async () => {
    const request = await signed("github");
    const first = await deliver(url, "github", request);
    const again = await deliver(url, "github", request);
    expect(again.json.data).toMatchObject({ duplicate: true, eventId: first.json.data.eventId });
    await receiver.waitFor(1, { match: (r) => r.headers["webhook-id"] === first.json.data.eventId });
    // A later event marks the point by which a second copy would have been sent.
    const marker = await deliver(url, "shopify", await signed("shopify"));
    await receiver.waitFor(1, { match: (r) => r.headers["webhook-id"] === marker.json.data.eventId });
    expect(receiver.requests.filter((r) => r.headers["webhook-id"] === first.json.data.eventId)).toHaveLength(1);
  });
});
