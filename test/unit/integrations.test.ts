// Each integration's request, rendered for a sample event, is what the service documents: method, url, auth header, content type, required body fields.
import { describe, expect, it } from "vitest";
import { attemptHeaders } from "../../src/delivery/destinations/http-attempt";
import { renderPayload } from "../../src/delivery/template";
import { findIntegration, integrationConfig, INTEGRATIONS, type IntegrationConfig } from "../../src/integrations";
import { SAMPLE_EVENT } from "../../src/integrations/apply";
import { checkTemplate } from "../../src/templates";

const CONTRACT_IDS = ["slack", "discord", "microsoft-teams", "google-chat", "mattermost", "rocket-chat", "telegram", "pagerduty", "opsgenie", "zapier", "make", "n8n", "ifttt", "pipedream", "twilio-sms", "twilio-whatsapp", "whatsapp-cloud", "sendgrid", "mailgun", "postmark", "resend", "linear", "jira", "github-dispatch", "airtable", "notion", "google-sheets", "datadog", "webhook"];
const WEBHOOK_URL_IDS = ["slack", "discord", "microsoft-teams", "google-chat", "mattermost", "rocket-chat", "zapier", "make", "n8n", "ifttt", "pipedream", "webhook"];

const b64 = (s: string) => btoa(s);
const JSON_TYPE = "application/json";
const FORM = "application/x-www-form-urlencoded";
const TITLE = SAMPLE_EVENT.data.title;
const BODY_TEXT = SAMPLE_EVENT.data.body;

/** What each service documents for the example params (see each module's `docs`). */
const EXPECTED: Record<string, { url: string; auth?: [string, string]; type?: string; body: (b: any) => void; headers?: Record<string, string> }> = {
  slack: { url: "https://hooks.slack.com/services/T000/B000/XXXX", body: (b) => (expect(b.text).toBe(TITLE), expect(b.blocks[0].type).toBe("section"), expect(b.blocks[0].text.text).toContain(BODY_TEXT)) },
  discord: { url: "https://discord.com/api/webhooks/123/abc", body: (b) => (expect(b.content).toBe(TITLE), expect(b.embeds[0].description).toBe(BODY_TEXT), expect(b.embeds[0].timestamp).toBe(SAMPLE_EVENT.timestamp)) },
  "microsoft-teams": { url: "https://example.webhook.office.com/webhookb2/xxx", body: (b) => (expect(b.type).toBe("message"), expect(b.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive"), expect(b.attachments[0].content.type).toBe("AdaptiveCard"), expect(b.attachments[0].content.body[0].text).toBe(TITLE)) },
  "google-chat": { url: "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=KEY&token=TOKEN", body: (b) => expect(b.text).toBe(`*${TITLE}*\n${BODY_TEXT}`) },
  mattermost: { url: "https://mattermost.example.com/hooks/xxx", body: (b) => (expect(b.text).toContain(TITLE), expect(b.username).toBe("edgehook")) },
  "rocket-chat": { url: "https://chat.example.com/hooks/ID/TOKEN", body: (b) => (expect(b.text).toBe(TITLE), expect(b.attachments[0].text).toBe(BODY_TEXT)) },
  telegram: { url: "https://api.telegram.org/bot123456:ABC-DEF/sendMessage", body: (b) => (expect(b.chat_id).toBe("-1001234567890"), expect(b.text).toBe(`${TITLE}\n${BODY_TEXT}`)) },
  pagerduty: { url: "https://events.pagerduty.com/v2/enqueue", body: (b) => (expect(b.routing_key).toBe("R0UT1NGKEY0000000000000000000000"), expect(b.event_action).toBe("trigger"), expect(b.payload).toMatchObject({ summary: TITLE, source: "edgehook", severity: "error" }), expect(b.payload.custom_details).toEqual(SAMPLE_EVENT.data)) },
  opsgenie: { url: "https://api.opsgenie.com/v2/alerts", auth: ["Authorization", "GenieKey 00000000-0000-0000-0000-000000000000"], body: (b) => (expect(b.message).toBe(TITLE), expect(b.priority).toBe("P3"), expect(b.alias).toBe(SAMPLE_EVENT.id)) },
  zapier: { url: "https://hooks.zapier.com/hooks/catch/123/abc/", body: (b) => expect(b).toEqual(SAMPLE_EVENT) },
  make: { url: "https://hook.eu1.make.com/abcdef", body: (b) => expect(b).toEqual(SAMPLE_EVENT) },
  n8n: { url: "https://n8n.example.com/webhook/edgehook", body: (b) => expect(b).toEqual(SAMPLE_EVENT) },
  pipedream: { url: "https://eo1234.m.pipedream.net", body: (b) => expect(b).toEqual(SAMPLE_EVENT) },
  ifttt: { url: "https://maker.ifttt.com/trigger/edgehook_event/with/key/KEY", body: (b) => (expect(b.value1).toBe("notify.sent"), expect(b.value2).toBe(TITLE), expect(JSON.parse(b.value3)).toEqual(SAMPLE_EVENT.data)) },
  "twilio-sms": { url: "https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json", auth: ["Authorization", `Basic ${b64("AC00000000000000000000000000000000:token")}`], type: FORM, body: (f: URLSearchParams) => (expect(f.get("To")).toBe("+15005550001"), expect(f.get("From")).toBe("+15005550006"), expect(f.get("Body")).toBe(`${TITLE}: ${BODY_TEXT}`)) },
  "twilio-whatsapp": { url: "https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json", auth: ["Authorization", `Basic ${b64("AC00000000000000000000000000000000:token")}`], type: FORM, body: (f: URLSearchParams) => (expect(f.get("To")).toBe("whatsapp:+15005550001"), expect(f.get("From")).toBe("whatsapp:+14155238886"), expect(f.get("Body")).toContain(TITLE)) },
  "whatsapp-cloud": { url: "https://graph.facebook.com/v21.0/106540352242922/messages", auth: ["Authorization", "Bearer EAAG..."], body: (b) => (expect(b.messaging_product).toBe("whatsapp"), expect(b.to).toBe("15551234567"), expect(b.type).toBe("text"), expect(b.text.body).toContain(TITLE)) },
  ntfy: { url: "https://ntfy.sh", auth: ["Authorization", "Bearer tk_xxxx"], body: (b) => (expect(b.topic).toBe("edgehook-alerts"), expect(b.title).toBe(TITLE), expect(b.message).toBe(BODY_TEXT)) },
  pushover: { url: "https://api.pushover.net/1/messages.json", type: FORM, body: (f: URLSearchParams) => (expect(f.get("token")).toBe("azGDORePK8gMaC0QOYAMyEEuzJnyUi"), expect(f.get("user")).toBe("uQiRzpo4DXghDmr9QzzfQu27cmVRsG"), expect(f.get("message")).toBe(BODY_TEXT)) },
  sendgrid: { url: "https://api.sendgrid.com/v3/mail/send", auth: ["Authorization", "Bearer SG.xxxx"], body: (b) => (expect(b.personalizations[0].to[0].email).toBe("ops@example.com"), expect(b.from.email).toBe("alerts@example.com"), expect(b.subject).toBe(TITLE), expect(b.content[0]).toEqual({ type: "text/plain", value: BODY_TEXT })) },
  mailgun: { url: "https://api.mailgun.net/v3/mg.example.com/messages", auth: ["Authorization", `Basic ${b64("api:key-xxxx")}`], type: FORM, body: (f: URLSearchParams) => (expect(f.get("from")).toBe("alerts@mg.example.com"), expect(f.get("to")).toBe("ops@example.com"), expect(f.get("subject")).toBe(TITLE), expect(f.get("text")).toBe(BODY_TEXT)) },
  postmark: { url: "https://api.postmarkapp.com/email", auth: ["X-Postmark-Server-Token", "server-token"], headers: { Accept: "application/json" }, body: (b) => expect(b).toMatchObject({ From: "alerts@example.com", To: "ops@example.com", Subject: TITLE, TextBody: BODY_TEXT, MessageStream: "outbound" }) },
  resend: { url: "https://api.resend.com/emails", auth: ["Authorization", "Bearer re_xxxx"], body: (b) => expect(b).toMatchObject({ from: "Alerts <alerts@example.com>", to: ["ops@example.com"], subject: TITLE, text: BODY_TEXT }) },
  linear: { url: "https://api.linear.app/graphql", auth: ["Authorization", "lin_api_xxxx"], body: (b) => (expect(b.query).toMatch(/issueCreate\(input: \$input\)/), expect(b.variables.input).toEqual({ teamId: "9cfb482a-81e3-4154-b5b9-2c805e70a02d", title: TITLE, description: BODY_TEXT })) },
  jira: { url: "https://example.atlassian.net/rest/api/2/issue", auth: ["Authorization", `Basic ${b64("ops@example.com:ATATT...")}`], body: (b) => expect(b.fields).toMatchObject({ project: { key: "OPS" }, summary: TITLE, issuetype: { name: "Task" }, description: BODY_TEXT }) },
  "github-dispatch": { url: "https://api.github.com/repos/acme/app/dispatches", auth: ["Authorization", "Bearer ghp_xxxx"], headers: { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" }, body: (b) => (expect(b.event_type).toBe("edgehook"), expect(b.client_payload.data).toEqual(SAMPLE_EVENT.data)) },
  airtable: { url: "https://api.airtable.com/v0/appXXXXXXXXXXXXXX/Events", auth: ["Authorization", "Bearer pat_xxxx"], body: (b) => (expect(b.records[0].fields.Type).toBe("notify.sent"), expect(JSON.parse(b.records[0].fields.Data)).toEqual(SAMPLE_EVENT.data)) },
  notion: { url: "https://api.notion.com/v1/pages", auth: ["Authorization", "Bearer secret_xxxx"], headers: { "Notion-Version": "2022-06-28" }, body: (b) => (expect(b.parent).toEqual({ database_id: "d9824bdc84454327be8b5b47500af6ce" }), expect(b.properties.Name.title[0].text.content).toBe(TITLE)) },
  "google-sheets": { url: "https://script.google.com/macros/s/AKfycb.../exec", body: (b) => (expect(b.sheet).toBe("Events"), expect(b.row).toEqual([SAMPLE_EVENT.timestamp, "notify.sent", SAMPLE_EVENT.id, JSON.stringify(SAMPLE_EVENT.data)])) },
  datadog: { url: "https://api.datadoghq.com/api/v1/events", auth: ["DD-API-KEY", "0000000000000000000000000000000a"], body: (b) => (expect(b.title).toBe(TITLE), expect(b.text).toBe(BODY_TEXT), expect(b.alert_type).toBe("info")) },
  webhook: { url: "https://example.com/webhooks/edgehook", body: (b) => expect(b).toEqual(SAMPLE_EVENT) },
};

function authParts(auth: IntegrationConfig["auth"]) {
  if (!auth) return { info: { type: "none" as const }, secret: null };
  if (auth.type === "basic") return { info: { type: auth.type, username: auth.username }, secret: { password: auth.password } };
  if (auth.type === "bearer") return { info: { type: auth.type }, secret: { token: auth.token } };
  return { info: { type: auth.type, header: auth.header }, secret: { key: auth.key } };
}

describe("integration catalogue", () => {
  it("has at least 30 integrations with the contract's ids, unique, each with a test below", () => {
    const ids = INTEGRATIONS.map((i) => i.id);
    expect(ids.length).toBeGreaterThanOrEqual(30);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of CONTRACT_IDS) expect(ids).toContain(id);
    expect(Object.keys(EXPECTED).sort()).toEqual([...ids].sort());
    for (const id of WEBHOOK_URL_IDS) expect(findIntegration(id)!.params.map((p) => p.name)).toContain("webhookUrl");
  });
  it("has templates that parse and params that are described", () => {
    for (const integration of INTEGRATIONS) {
      expect(checkTemplate(integration.body), integration.id).toBeNull();
      expect(integration.docs).toMatch(/^https:\/\//);
      for (const p of integration.params) expect(p.description.length, `${integration.id}.${p.name}`).toBeGreaterThan(3);
    }
  });
});

describe.each(INTEGRATIONS.map((i) => [i.id]))("%s", (id) => {
  it("renders the documented request for a sample event", async () => {
    const integration = findIntegration(id)!;
    const config = integrationConfig(id, integration.example);
    const expected = EXPECTED[id]!;
    expect(config.method).toBe("POST");
    expect(config.url).toBe(expected.url);
    const payload = renderPayload(SAMPLE_EVENT as never, config.template);
    expect(payload.contentType).toBe(expected.type ?? JSON_TYPE);
    const { info, secret } = authParts(config.auth);
    const headers = await attemptHeaders({ url: config.url, method: config.method, eventId: SAMPLE_EVENT.id, eventType: SAMPLE_EVENT.type, body: payload.body, contentType: payload.contentType, attempt: 1, secrets: ["whsec_dGVzdC1zZWNyZXQtMDEyMzQ1Njc4OQ=="], headers: config.headers ?? {}, auth: info as never, authSecret: secret, timeoutMs: 1000 }, Date.now());
    expect(headers["Content-Type"]).toBe(payload.contentType);
    if (expected.auth) expect(headers[expected.auth[0]]).toBe(expected.auth[1]);
    else expect(headers.Authorization).toBeUndefined();
    for (const [name, value] of Object.entries(expected.headers ?? {})) expect(headers[name]).toBe(value);
    expected.body(payload.contentType === FORM ? new URLSearchParams(payload.body) : JSON.parse(payload.body));
  });
  it("names a missing required param", () => {
    const integration = findIntegration(id)!;
    const required = integration.params.find((p) => p.required)!;
    const { [required.name]: _dropped, ...rest } = integration.example;
    expect(() => integrationConfig(id, rest)).toThrow(new RegExp(`required param ${required.name} is missing`));
  });
});

describe("params", () => {
  it("are bound as literals: quotes, braces and expressions in a value stay text", () => {
    const config = integrationConfig("telegram", { botToken: "1:A", chatId: `x" + upper('y') + "}}` });
    expect(JSON.parse(renderPayload(SAMPLE_EVENT as never, config.template).body).chat_id).toBe(`x" + upper('y') + "}}`);
    expect(() => integrationConfig("telegram", { botToken: "1:A", chatId: "{{ data }}" })).toThrow(/cannot hold/);
    expect(() => integrationConfig("telegram", { botToken: "1:A", chatId: "1", extra: "x" })).toThrow(/has no param extra/);
    expect(() => integrationConfig("nope", {})).toThrow(/unknown integration/);
  });
  it("fill optional params with their defaults and take given ones", () => {
    const eu = integrationConfig("opsgenie", { apiKey: "k", apiUrl: "https://api.eu.opsgenie.com", priority: "P1" });
    expect(eu.url).toBe("https://api.eu.opsgenie.com/v2/alerts");
    expect(JSON.parse(renderPayload(SAMPLE_EVENT as never, eu.template).body).priority).toBe("P1");
    expect(integrationConfig("ntfy", { topic: "t" }).auth).toBeUndefined();
  });
});
