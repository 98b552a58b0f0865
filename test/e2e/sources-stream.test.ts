// Each provider's verified delivery reaches a live SSE client (the `eventsource` library) once, duplicates included.
import { randomUUID } from "node:crypto";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bodies, configureSources, deliver, EXPECTED_TYPES, SECRETS, signers, TIMESTAMPED, type Signed } from "./source-signers.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const PROVIDERS = Object.keys(SECRETS) as (keyof typeof SECRETS)[];

interface StreamEvent {
  type: string;
  lastEventId: string;
  body: { id: string; type: string; data: Record<string, unknown>; metadata?: Record<string, unknown> };
}

let source: EventSource;
const received: StreamEvent[] = [];

async function signed(provider: keyof typeof SECRETS, id = `${provider}-${randomUUID()}`): Promise<Signed> {
  return signers[provider]!(bodies[provider]!(id), SECRETS[provider], id);
}

/** Waits until `check` passes; the test's own timeout bounds the wait. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met; received ${JSON.stringify(received.map((r) => r.body.id))}`);
}

beforeAll(async () => {
  await configureSources(url, admin);
  source = new EventSource(`${url}/webhooks/v2/events?filter=${PROVIDERS.join(",")}`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Authorization: `Bearer ${admin}` } }),
  });
  for (const type of Object.values(EXPECTED_TYPES)) {
    source.addEventListener(type, (event) => {
      const message = event as MessageEvent<string>;
      received.push({ type: message.type, lastEventId: message.lastEventId, body: JSON.parse(message.data) });
    });
  }
  await new Promise<void>((resolve, reject) => {
    source.addEventListener("open", () => resolve(), { once: true });
    source.addEventListener("error", () => reject(new Error("the event stream did not open")), { once: true });
  });
});

afterAll(() => source?.close());

describe("provider events on the live stream", () => {
  it("streams each provider's event once, with the payload as data and the provider ids as metadata, even when redelivered", async () => {
    const sent = new Map<string, { provider: string; body: unknown; deliveryId: string }>();
    for (const provider of PROVIDERS) {
      const id = `${provider}-${randomUUID()}`;
      const request = await signed(provider, id);
      const first = await deliver(url, provider, request);
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      // The provider retries (re-signed where the scheme has a timestamp): acknowledged, not published again.
      const retry = await deliver(url, provider, TIMESTAMPED.has(provider) ? await signed(provider, id) : request);
      expect(retry.json.data).toMatchObject({ duplicate: true, eventId: first.json.data.eventId });
      sent.set(first.json.data.eventId, { provider, body: JSON.parse(request.body), deliveryId: first.json.data.deliveryId });
    }
    // A last event after all the duplicates: once it has arrived, any second copy would have too.
    const marker = await deliver(url, "github", await signed("github"));
    await eventually(() => received.some((r) => r.body.id === marker.json.data.eventId) && [...sent.keys()].every((id) => received.some((r) => r.body.id === id)));
    for (const [eventId, expected] of sent) {
      const copies = received.filter((r) => r.body.id === eventId);
      expect(copies, expected.provider).toHaveLength(1);
      expect(copies[0]!.type).toBe(EXPECTED_TYPES[expected.provider]);
      expect(copies[0]!.lastEventId).toBe(eventId);
      expect(copies[0]!.body).toMatchObject({ type: EXPECTED_TYPES[expected.provider], data: expected.body as Record<string, unknown>, metadata: { source: expected.provider, deliveryId: expected.deliveryId } });
    }
  });

  it("streams nothing for a refused delivery", async () => {
    const id = `stripe-${randomUUID()}`;
    const forged = await signers.stripe!(bodies.stripe!(id), "whsec_forged", id);
    expect((await deliver(url, "stripe", forged)).status).toBe(401);
    const marker = await deliver(url, "github", await signed("github"));
    await eventually(() => received.some((r) => r.body.id === marker.json.data.eventId));
    expect(received.filter((r) => (r.body.data as { id?: string }).id === id)).toHaveLength(0);
  });
});
