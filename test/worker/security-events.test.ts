// Forged provider and system events are refused: reserved namespaces and metadata keys through POST /events.
import { describe, expect, it } from "vitest";
import { RESERVED_PREFIXES } from "../../src/events/reserved";
import { SOURCE_PROVIDERS } from "../../src/sources/registry";
import { call, createToken } from "./helpers";

describe("reserved event namespaces", () => {
  it("reserves every provider prefix the registry knows", () => {
    for (const name of Object.keys(SOURCE_PROVIDERS)) expect(RESERVED_PREFIXES).toContain(name);
  });

  it("answers 403 FORBIDDEN to an events token publishing a provider or system type", async () => {
    const { key } = await createToken(["events"]);
    const star = await createToken(["*"]);
    for (const type of ["stripe.invoice.paid", "github.push", "subscription.disabled", "task.completed", "delivery.failed", "api.key.created", "system.health.degraded", "workflow.started", "notify.sent", "research.completed", "webhook.test", "Stripe.Invoice.Paid"]) {
      for (const token of [key, star.key]) {
        const res = await call("/events", { token, body: { type, data: {} } });
        expect(res.status, type).toBe(403);
        expect(res.json).toMatchObject({ success: false, code: "FORBIDDEN", details: { field: "type" } });
      }
    }
    expect((await call("/events", { token: key, body: { type: "stripey.invoice", data: {} } })).status).toBe(201);
    expect((await call("/events", { token: key, body: { type: "order.created", data: {} } })).status).toBe(201);
  });

  it("refuses metadata keys the gateway sets, in any case", async () => {
    const { key } = await createToken(["events"]);
    for (const metadata of [{ source: "stripe" }, { Provider: "github" }, { deliveryId: "x" }, { tokenId: "admin" }]) {
      const res = await call("/events", { token: key, body: { type: "order.created", data: {}, metadata } });
      expect(res.status, JSON.stringify(metadata)).toBe(403);
      expect(res.json.details.field).toBe("metadata");
    }
    expect((await call("/events", { token: key, body: { type: "order.created", data: {}, metadata: { region: "eu" } } })).status).toBe(201);
  });

  it("lets the admin token publish a reserved type", async () => {
    expect((await call("/events", { body: { type: "stripe.invoice.paid", data: {}, metadata: { source: "stripe" } } })).status).toBe(201);
  });
});

describe("urls in audit rows", () => {
  it("keeps no url query value or path token in the audit row of a subscription", async () => {
    const url = "http://127.0.0.1:9/services/T0/B0/aB3dE5gH7jK9mN1pQ3rS5tU7?token=audit-query-secret";
    const created = await call("/subscriptions", { body: { url, events: ["order.*"] }, vars: {} });
    expect(created.status).toBe(201);
    const rows = await call(`/audit?target=${created.json.data.id}`);
    const row = rows.json.data.items.find((r: { action: string }) => r.action === "subscription.create");
    expect(row.details.url).toBe("http://127.0.0.1:9/services/T0/B0/REDACTED?token=REDACTED");
    expect(rows.text).not.toMatch(/audit-query-secret|aB3dE5gH7jK9mN1pQ3rS5tU7/);
  });
});
