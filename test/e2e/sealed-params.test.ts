// Integration secret params end to end (wrangler dev): sealed at rest and in every view, filled into url and body only when sent, signed.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Receiver } from "./receiver.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
const ns = `sealed${Date.now().toString(36)}`;
const SECRET_TEXT = /S3cret/;
let service: Receiver;

beforeAll(async () => {
  service = await startReceiver();
});
afterAll(async () => {
  await service.close();
});

describe("secret params of integrations", () => {
  it("a Slack webhook url (url) and a PagerDuty routing key (body) arrive in clear, signed, and show nowhere", async () => {
    const slackPath = `/slack/services/T0/B0/sl4ckS3cret${ns}`;
    const routingKey = `R0UT1NGS3cret${ns}`;
    const slack = await api("/subscriptions", { body: { events: [`${ns}.*`], integration: { id: "slack", params: { webhookUrl: `${service.url}${slackPath}` } } } });
    const pd = await api("/subscriptions", { body: { events: [`${ns}.*`], integration: { id: "pagerduty", params: { routingKey, apiUrl: `${service.url}/pd` } } } });
    expect([slack.status, pd.status], JSON.stringify([slack.json, pd.json])).toEqual([201, 201]);
    expect(JSON.stringify([slack.json, pd.json])).not.toMatch(SECRET_TEXT);
    expect(slack.json.data.url).toBe(`${service.url}/********`);
    expect(slack.json.data.params).toEqual({ webhookUrl: "********" });
    expect(pd.json.data.params).toEqual({ routingKey: "********" });

    expect((await api("/events", { body: { type: `${ns}.alert`, data: { title: "Disk almost full", body: "93%" } } })).status).toBe(201);
    const [toSlack] = await service.waitFor(1, { match: (r) => r.path === slackPath });
    const [toPd] = await service.waitFor(1, { match: (r) => r.path === "/pd/v2/enqueue" });
    expect(JSON.parse(toSlack!.body).text).toBe("Disk almost full");
    expect(JSON.parse(toPd!.body)).toMatchObject({ routing_key: routingKey, event_action: "trigger" });
    expect(verifyStandard(slack.json.data.secret, toSlack!)).toBeTruthy();
    expect(verifyStandard(pd.json.data.secret, toPd!)).toBeTruthy();

    // Views, deliveries, audit: masked everywhere.
    for (const id of [slack.json.data.id, pd.json.data.id]) {
      expect(JSON.stringify((await api(`/subscriptions/${id}`)).json)).not.toMatch(SECRET_TEXT);
      const deliveries = await eventually(async () => {
        const res = await api(`/subscriptions/${id}/deliveries`);
        return res.json.data?.items?.[0]?.status === "success" ? res : undefined;
      });
      expect(JSON.stringify(deliveries.json)).not.toMatch(SECRET_TEXT);
    }
    expect(JSON.stringify((await api("/audit?limit=100")).json)).not.toMatch(SECRET_TEXT);
  });

  it("/notify through a channel backed by Telegram puts the bot token only in the url it sends to", async () => {
    const botToken = `123:T3legramS3cret${ns}`;
    const name = `tg-${ns}`;
    const created = await api("/channels", { body: { name, integration: { id: "telegram", params: { botToken, chatId: "-100", apiUrl: `${service.url}/tg` } } } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.data.url).toBe(`${service.url}/tg/********/sendMessage`);
    const sent = await api("/notify", { body: { action: "send_notification", priority: "P2", title: "Deploy done", body: "v1.2", channels: [name] } });
    expect(sent.status, JSON.stringify(sent.json)).toBe(201);
    const [request] = await service.waitFor(1, { match: (r) => r.path === `/tg/bot${botToken}/sendMessage` });
    expect(JSON.parse(request!.body)).toMatchObject({ chat_id: "-100", text: "Deploy done\nv1.2" });
    expect(JSON.stringify((await api(`/channels/${name}`)).json)).not.toMatch(SECRET_TEXT);
  });
});
