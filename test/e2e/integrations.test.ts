// Integrations end to end: one integration per category delivers a real event to a receiver on 127.0.0.1 standing in for the service.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Received, type Receiver } from "./receiver.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
let receiver: Receiver;
const ns = `integ${Date.now().toString(36)}`;
const DATA = { title: "Disk almost full on db-1", body: "93% used on /var", severity: "critical" };

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

/** Subscribes `integration` (params pointing at the receiver under /<path>), publishes one event, returns the request the receiver got. */
async function deliver(id: string, path: string, params: (base: string) => Record<string, string>): Promise<{ request: Received; secret: string; subscription: any }> {
  const type = `${ns}.${id.replace(/-/g, "_")}`;
  const created = await api("/subscriptions", { body: { events: [type], integration: { id, params: params(`${receiver.url}/${path}`) }, retryPolicy: { initialDelayMs: 200 } } });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  expect((await api("/events", { body: { type, data: DATA } })).status).toBe(201);
  const [request] = await receiver.waitFor(1, { match: (r) => r.path.startsWith(`/${path}`) });
  return { request: request!, secret: created.json.data.secret, subscription: created.json.data };
}

describe("one integration per category", () => {
  it("chat: slack posts {text, blocks} to the webhook url", async () => {
    const { request } = await deliver("slack", "slack", (base) => ({ webhookUrl: `${base}/services/T/B/X` }));
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/slack/services/T/B/X");
    const body = JSON.parse(request.body);
    expect(body.text).toBe(DATA.title);
    expect(body.blocks[0].text.text).toContain(DATA.body);
  });
  it("incident: opsgenie creates an alert with GenieKey auth", async () => {
    const { request } = await deliver("opsgenie", "opsgenie", (base) => ({ apiKey: "genie-123", apiUrl: base, priority: "P1" }));
    expect(request.path).toBe("/opsgenie/v2/alerts");
    expect(request.headers.authorization).toBe("GenieKey genie-123");
    expect(JSON.parse(request.body)).toMatchObject({ message: DATA.title, description: DATA.body, priority: "P1" });
  });
  it("automation: zapier receives the signed wire event", async () => {
    const { request, secret } = await deliver("zapier", "zapier", (base) => ({ webhookUrl: `${base}/hooks/catch/1/a/` }));
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({ type: `${ns}.zapier`, data: DATA });
    expect(verifyStandard(secret, request)).toBeTruthy();
  });
  it("messaging: ntfy publishes JSON with a bearer token", async () => {
    const { request } = await deliver("ntfy", "ntfy", (base) => ({ topic: "alerts", server: base, token: "tk_abc" }));
    expect(request.headers.authorization).toBe("Bearer tk_abc");
    expect(JSON.parse(request.body)).toMatchObject({ topic: "alerts", title: DATA.title, message: DATA.body });
  });
  it("email: mailgun sends a form-encoded message with basic auth api:<key>, the key sealed", async () => {
    const { request, subscription } = await deliver("mailgun", "mailgun", (base) => ({ apiKey: "key-secret-1", domain: "mg.example.com", from: "a@mg.example.com", to: "ops@example.com", apiUrl: base }));
    expect(request.path).toBe("/mailgun/v3/mg.example.com/messages");
    expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request.headers.authorization).toBe(basic("api", "key-secret-1"));
    const form = new URLSearchParams(request.body);
    expect([form.get("from"), form.get("to"), form.get("subject"), form.get("text")]).toEqual(["a@mg.example.com", "ops@example.com", DATA.title, DATA.body]);
    expect(JSON.stringify(subscription)).not.toContain("key-secret-1");
    expect(JSON.stringify((await api(`/subscriptions/${subscription.id}`)).json)).not.toContain("key-secret-1");
  });
  it("work tracking: jira creates an issue with basic auth", async () => {
    const { request } = await deliver("jira", "jira", (base) => ({ siteUrl: base, email: "me@example.com", apiToken: "atl-1", projectKey: "OPS" }));
    expect(request.path).toBe("/jira/rest/api/2/issue");
    expect(request.headers.authorization).toBe(basic("me@example.com", "atl-1"));
    expect(JSON.parse(request.body).fields).toMatchObject({ project: { key: "OPS" }, summary: DATA.title, issuetype: { name: "Task" } });
  });
  it("data: google-sheets posts a row to the Apps Script url", async () => {
    const { request } = await deliver("google-sheets", "sheets", (base) => ({ scriptUrl: `${base}/exec` }));
    const body = JSON.parse(request.body);
    expect(body.sheet).toBe("Events");
    expect(body.row[1]).toBe(`${ns}.google_sheets`);
    expect(JSON.parse(body.row[3])).toEqual(DATA);
  });
  it("webhook: the plain JSON webhook is signed (Standard Webhooks)", async () => {
    const { request, secret } = await deliver("webhook", "plain", (base) => ({ webhookUrl: base }));
    expect(verifyStandard(secret, request)).toMatchObject({ data: DATA });
  });
});

describe("integration subscriptions through the API", () => {
  it("GET /integrations lists at least 30 with params and an example request", async () => {
    const res = await api("/integrations");
    expect(res.status).toBe(200);
    expect(res.json.data.items.length).toBeGreaterThanOrEqual(30);
    const slack = res.json.data.items.find((i: any) => i.id === "slack");
    expect(slack.params).toEqual([{ name: "webhookUrl", description: expect.any(String), required: true, secret: true }]);
    expect(JSON.parse(slack.example.request.body).text).toBeTruthy();
  });
  it("a missing required param is 400 naming it; url and integration together are refused", async () => {
    const missing = await api("/subscriptions", { body: { events: ["x.*"], integration: { id: "sendgrid", params: { apiKey: "SG.1", from: "a@example.com" } } } });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "integration.params.to" } });
    expect(missing.json.error).toMatch(/to/);
    const both = await api("/subscriptions", { body: { url: "http://127.0.0.1:9/", events: ["x.*"], integration: { id: "webhook", params: { webhookUrl: "http://127.0.0.1:9/" } } } });
    expect(both.status).toBe(400);
    expect((await api("/subscriptions", { body: { events: ["x.*"] } })).status).toBe(400);
    expect((await api("/subscriptions", { body: { events: ["x.*"], integration: { id: "nope", params: {} } } })).json.details.field).toBe("integration.id");
  });
  it("a template that does not parse is 400 with its position", async () => {
    const res = await api("/subscriptions", { body: { url: "http://127.0.0.1:9/", events: ["x.*"], template: { text: "Hi {{ data.name + }}" } } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "template.text" } });
    expect(res.json.details.reason).toMatch(/at character \d+/);
  });
});
