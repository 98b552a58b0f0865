// /notify through integration-backed channels (email via Mailgun, WhatsApp via the Cloud API): GET /notify/:id reports delivered once the delivery succeeded, notify.sent carries each channel's final status.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
const tag = Date.now().toString(36);
let service: Receiver;
let reports: Receiver;

beforeAll(async () => {
  // the stand-in services: /broken answers 400 (not retried), everything else 200
  service = await startReceiver((r) => (r.path.startsWith("/broken") ? [400, {}, "bad request"] : [200, { "Content-Type": "application/json" }, "{}"]));
  reports = await startReceiver();
});
afterAll(async () => {
  await service.close();
  await reports.close();
});

async function channel(name: string, integration: { id: string; params: Record<string, string> }) {
  const res = await api("/channels", { body: { name, integration, retryPolicy: { maxRetries: 0 } } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  expect(res.json.data.type).toBe("integration");
}

describe("notify via integrations", () => {
  it("delivers email and WhatsApp, reports delivered per channel and failed for a refusing one", async () => {
    const [mail, wa, broken] = [`mail-${tag}`, `wa-${tag}`, `broken-${tag}`];
    await channel(mail, { id: "mailgun", params: { apiKey: "key-1", domain: "mg.example.com", from: "a@mg.example.com", to: "ops@example.com", apiUrl: `${service.url}/mailgun` } });
    await channel(wa, { id: "whatsapp-cloud", params: { phoneNumberId: "1065", accessToken: "EAAG-1", to: "15551234567", apiUrl: `${service.url}/graph` } });
    await channel(broken, { id: "webhook", params: { webhookUrl: `${service.url}/broken` } });
    const sub = await api("/subscriptions", { body: { url: `${reports.url}/reports`, events: ["notify.sent"], filters: { all: [{ field: "data.status", operator: "in", value: ["delivered", "failed"] }, { field: "data.notifId", operator: "exists" }] } } });
    expect(sub.status).toBe(201);

    const sent = await api("/notify", { body: { action: "send_notification", priority: "P1", title: "Disk almost full", body: "93% on db-1", channels: [mail, wa, broken] } });
    expect(sent.status, JSON.stringify(sent.json)).toBe(201);
    const id = sent.json.data.notificationId;

    const [email] = await service.waitFor(1, { match: (r) => r.path === "/mailgun/v3/mg.example.com/messages" });
    expect(new URLSearchParams(email!.body).get("subject")).toBe("Disk almost full");
    const [whatsapp] = await service.waitFor(1, { match: (r) => r.path === "/graph/v21.0/1065/messages" });
    expect(whatsapp!.headers.authorization).toBe("Bearer EAAG-1");
    expect(JSON.parse(whatsapp!.body)).toMatchObject({ messaging_product: "whatsapp", to: "15551234567", type: "text", text: { body: "Disk almost full\n93% on db-1" } });

    const status = await eventually(async () => {
      const res = await api(`/notify/${id}`);
      const channels = res.json.data?.channels;
      return channels && channels[mail].status === "delivered" && channels[wa].status === "delivered" && channels[broken].status === "failed" ? res.json.data : undefined;
    });
    expect(status.channels[broken].reason).toBeTruthy();

    const finals = await reports.waitFor(3, { match: (r) => JSON.parse(r.body).data.notifId === id });
    const byChannel = Object.fromEntries(finals.map((r) => [JSON.parse(r.body).data.channel, JSON.parse(r.body).data.status]));
    expect(byChannel).toEqual({ [mail]: "delivered", [wa]: "delivered", [broken]: "failed" });
    // the final reports are not delivered to the channels again
    await new Promise((r) => setTimeout(r, 1000));
    expect(service.requests.filter((r) => r.path.startsWith("/mailgun")).length).toBe(1);
    expect((await api(`/notify/notif-doesnotexist`)).status).toBe(404);
  });
});
