// Attempt headers (signatures, auth kinds, reserved names), outbox matching, and percentiles.
import { describe, expect, it } from "vitest";
import { attemptHeaders, type AttemptRequest } from "../../src/delivery/destinations/http-attempt";
import { percentile } from "../../src/delivery/store/deliveries";
import { matchEvent } from "../../src/delivery/store/outbox";
import { hmac } from "../../src/lib/crypto";
import { toBase64, toHex } from "../../src/lib/encoding";
import type { StoredEvent } from "../../src/events/store";

const base: AttemptRequest = {
  url: "https://example.com/h",
  method: "POST",
  eventId: "evt-1",
  eventType: "order.created",
  body: '{"a":1}',
  attempt: 2,
  secrets: ["plain-secret-value"],
  headers: { "X-Team": "blue" },
  auth: { type: "none" },
  authSecret: null,
  timeoutMs: 1000,
};

describe("attemptHeaders", () => {
  it("carries the contract's headers", async () => {
    const h = await attemptHeaders(base, 1_700_000_000_123);
    expect(h).toMatchObject({
      "Content-Type": "application/json",
      "webhook-id": "evt-1",
      "webhook-timestamp": "1700000000",
      "X-Webhook-ID": "evt-1",
      "X-Webhook-Event": "order.created",
      "X-Webhook-Timestamp": "1700000000123",
      "X-Webhook-Attempt": "2",
      "X-Team": "blue",
    });
    expect(h["User-Agent"]).toMatch(/^edgehook\//);
    expect(h["webhook-signature"]).toMatch(/^v1,/);
    expect(h["X-Webhook-Signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("adds basic, bearer, api-key and hmac credentials", async () => {
    expect((await attemptHeaders({ ...base, auth: { type: "basic", username: "u" }, authSecret: { password: "p" } }, 0)).Authorization).toBe(`Basic ${btoa("u:p")}`);
    expect((await attemptHeaders({ ...base, auth: { type: "bearer" }, authSecret: { token: "t" } }, 0)).Authorization).toBe("Bearer t");
    expect((await attemptHeaders({ ...base, auth: { type: "api-key", header: "X-Key" }, authSecret: { key: "k" } }, 0))["X-Key"]).toBe("k");
    const hex = await attemptHeaders({ ...base, auth: { type: "hmac", header: "X-Sig", algorithm: "sha256", encoding: "hex" }, authSecret: { secret: "s3cret" } }, 0);
    expect(hex["X-Sig"]).toBe(toHex(await hmac("s3cret", base.body)));
    const b64 = await attemptHeaders({ ...base, auth: { type: "hmac", header: "X-Sig", algorithm: "sha512", encoding: "base64" }, authSecret: { secret: "s3cret" } }, 0);
    expect(b64["X-Sig"]).toBe(toBase64(await hmac("s3cret", base.body, "SHA-512")));
  });

  it("never lets custom headers replace the gateway's", async () => {
    const h = await attemptHeaders({ ...base, headers: { "Content-Type": "text/plain", "X-Webhook-Event": "spoof" } }, 0);
    expect(h["Content-Type"]).toBe("application/json");
    expect(h["X-Webhook-Event"]).toBe("order.created");
  });
});

describe("matchEvent", () => {
  const event: StoredEvent = { id: "evt-1", tenantId: "default", type: "order.created", data: { total: 120 }, createdAt: 0 };
  it("applies patterns, then filters over the wire body, and keeps held subscriptions", () => {
    const matched = matchEvent(
      [
        { id: "a", tenantId: "default", events: ["order.*"], filters: null, active: true },
        { id: "b", tenantId: "default", events: ["order.created"], filters: { all: [{ field: "data.total", operator: "less_than", value: 100 }] }, active: true },
        { id: "c", tenantId: "default", events: ["*"], filters: { all: [{ field: "type", operator: "equals", value: "order.created" }] }, active: false },
        { id: "d", tenantId: "default", events: ["invoice.*"], filters: null, active: true },
      ],
      event,
    );
    expect(matched.map((m) => m.id)).toEqual(["a", "c"]);
  });
});

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});
