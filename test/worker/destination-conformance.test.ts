// The destination conformance suite: the same cases run against every registered destination type
// (http to a real receiver on 127.0.0.1, queue to edgehook-destination-test and its sink consumer).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { DESTINATIONS } from "../../src/delivery/destinations/registry";
import { openHeaders } from "../../src/delivery/core/sealed-headers";
import { destinationConfigOf, getSubscriptionRow, type SubscriptionRow } from "../../src/delivery/store/subscriptions";
import { TenantDb } from "../../src/tenants/tenant-db";
import { call } from "./helpers";
import { eventually, received, RECEIVER } from "./receiver";

/** How the suite reaches one destination type. */
interface Adapter {
  /** The `destination` object of a subscription that delivers where `arrived(key)` looks. */
  destination(key: string): Record<string, unknown>;
  /** Destinations validation must refuse, with the field it must name (under `destination.`). */
  refused: { destination: Record<string, unknown>; field: string }[];
  /** The bodies that arrived for `key`, as sent. */
  arrived(key: string): Promise<string[]>;
  /** A destination whose send cannot succeed, and the verdict it must report (never a throw). */
  failing(key: string): { destination: Record<string, unknown>; gateway?: Record<string, string>; verdict: string };
}

const ADAPTERS: Record<string, Adapter> = {
  http: {
    destination: (key) => ({ type: "http", url: `${RECEIVER}/conformance/${key}` }),
    refused: [
      { destination: { type: "http", url: "ftp://example.com/x" }, field: "destination.url" },
      { destination: { type: "http", url: "https://user:pw@example.com/x" }, field: "destination.url" },
    ],
    arrived: async (key) => (await received(`/conformance/${key}`)).map((r) => r.body),
    failing: (key) => ({ destination: { type: "http", url: `${RECEIVER}/status/503/${key}` }, verdict: "retry" }),
  },
  queue: {
    destination: () => ({ type: "queue", queue: "edgehook-destination-test" }),
    refused: [{ destination: { type: "queue", queue: "no-such-queue" }, field: "destination.queue" }],
    arrived: async (key) =>
      (await env.DB.prepare("SELECT body FROM queue_sink WHERE json_extract(body, '$.data.key') = ? ORDER BY received_at").bind(key).all<{ body: string }>()).results.map((r) => r.body),
    // Listed in DESTINATION_QUEUES but not bound (a binding removed after the subscription was made).
    failing: () => ({ destination: { type: "queue", queue: "ghost" }, gateway: { DESTINATION_QUEUES: "ghost=GHOST_QUEUE" }, verdict: "fail" }),
  },
};

let seq = 0;
const keyOf = (type: string) => `${type}${++seq}${Date.now().toString(36)}`;

/** A row's destination config as the engine sends with it (header values opened). */
async function configOf(row: SubscriptionRow) {
  return destinationConfigOf(row, await openHeaders(row.headers, getConfig(env).encryptionKey, row.id));
}

async function subscribe(destination: Record<string, unknown>, key: string) {
  const res = await call("/subscriptions", { body: { destination, events: [`conformance.${key}`], retryPolicy: { maxRetries: 0 } } });
  expect(res.status, res.text).toBe(201);
  return res.json.data;
}

it("every registered destination type has a conformance adapter", () => {
  expect(DESTINATIONS.map((d) => d.type).sort()).toEqual(Object.keys(ADAPTERS).sort());
});

for (const destination of DESTINATIONS) {
  const adapter = ADAPTERS[destination.type]!;

  describe(`destination conformance: ${destination.type}`, () => {
    it("is listed by GET /destinations", async () => {
      const res = await call("/destinations");
      expect(res.status).toBe(200);
      expect(res.json.data.types.map((t: any) => t.type)).toContain(destination.type);
      expect(res.json.data.queues).toEqual(["edgehook-destination-test"]);
    });

    it("refuses a bad config with 400 naming the field, on create and on update", async () => {
      for (const bad of adapter.refused) {
        const res = await call("/subscriptions", { body: { destination: bad.destination, events: ["a.b"] } });
        expect(res.status, JSON.stringify(bad)).toBe(400);
        expect(res.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: bad.field } });
      }
      const sub = await subscribe(adapter.destination(keyOf(destination.type)), "x");
      const patched = await call(`/subscriptions/${sub.id}`, { method: "PATCH", body: { destination: adapter.refused[0]!.destination } });
      expect(patched.status).toBe(400);
      expect(patched.json.details.field).toBe(adapter.refused[0]!.field);
    });

    it("shows the destination on the subscription and passes its own schema and validate()", async () => {
      const key = keyOf(destination.type);
      const sub = await subscribe(adapter.destination(key), key);
      expect(sub.destination).toMatchObject(adapter.destination(key));
      const row = (await getSubscriptionRow(TenantDb.all(env.DB), sub.id))!;
      const config = destination.configSchema.parse(await configOf(row));
      expect(destination.validate(config, { gateway: getConfig(env), env })).toEqual({ ok: true });
    });

    it("send() delivers the body byte for byte and reports success", async () => {
      const key = keyOf(destination.type);
      const sub = await subscribe(adapter.destination(key), key);
      const row = (await getSubscriptionRow(TenantDb.all(env.DB), sub.id))!;
      const body = JSON.stringify({ id: `evt-${key}`, type: `conformance.${key}`, timestamp: new Date().toISOString(), data: { key, text: "é ✓ \"quoted\"", n: 1.5 } });
      const result = await destination.send(
        { eventId: `evt-${key}`, eventType: `conformance.${key}`, body, attempt: 1 },
        { destination: destination.configSchema.parse(await configOf(row)), gateway: getConfig(env), env, subscriptionId: sub.id, secrets: ["whsec_dGVzdC1zZWNyZXQtMTIzNDU2"], signingKeys: [], credentials: null, timeoutMs: 5000 },
      );
      expect(result).toMatchObject({ verdict: "success", error: null });
      expect(result.finishedAt).toBeGreaterThan(0);
      expect(await eventually(async () => ((await adapter.arrived(key)).length ? adapter.arrived(key) : undefined))).toEqual([body]);
    });

    it("send() never throws: an unreachable destination is a result with a verdict and an error", async () => {
      const key = keyOf(destination.type);
      const failing = adapter.failing(key);
      const gateway = getConfig({ ...env, ...(failing.gateway ?? {}) });
      const result = await destination.send(
        { eventId: `evt-${key}`, eventType: "conformance.fail", body: JSON.stringify({ id: `evt-${key}` }), attempt: 1 },
        { destination: destination.configSchema.parse({ method: "POST", headers: {}, auth: { type: "none" }, ...failing.destination }), gateway, env, subscriptionId: "sub-x", secrets: ["s"], signingKeys: [], credentials: null, timeoutMs: 5000 },
      );
      expect(result.verdict).toBe(failing.verdict);
      expect(result.error ?? `status ${result.statusCode}`).toBeTruthy();
    });

    it("through the engine: POST /test and a published event both arrive, recorded as success", async () => {
      const key = keyOf(destination.type);
      const sub = await subscribe(adapter.destination(key), key);
      const test = await call(`/subscriptions/${sub.id}/test`, { method: "POST" });
      expect(test.status, test.text).toBe(200);
      expect(test.json.data).toMatchObject({ success: true, status: "success" });
      const published = await call("/events", { body: { type: `conformance.${key}`, data: { key } } });
      expect(published.status).toBe(201);
      const arrived = await eventually(async () => (await adapter.arrived(key)).map((b) => JSON.parse(b)).find((e) => e.id === published.json.data.id));
      expect(arrived).toMatchObject({ type: `conformance.${key}`, data: { key } });
      const delivery = await eventually(async () => {
        const items = (await call(`/subscriptions/${sub.id}/deliveries`)).json.data.items;
        return items.find((d: any) => d.eventId === published.json.data.id && d.status === "success");
      });
      expect(delivery).toMatchObject({ attempts: 1, status: "success" });
    });
  });
}
