// What a verified delivery becomes: body parsing, event types, delivery ids, handshakes, and which settings apply.
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { DEFAULT_GENERIC_OPTIONS, generic } from "../../src/sources/generic";
import { github } from "../../src/sources/github";
import { linear } from "../../src/sources/linear";
import { parsePayload, type ParsedPayload } from "../../src/sources/payload";
import { eventTypeSuffix } from "../../src/sources/provider";
import { providerByName } from "../../src/sources/registry";
import { combineSettings } from "../../src/sources/settings";
import { shopify } from "../../src/sources/shopify";
import { slack } from "../../src/sources/slack";
import { standard } from "../../src/sources/standard";
import { stripe } from "../../src/sources/stripe";

const bytes = (text: string) => new TextEncoder().encode(text);
const json = (value: unknown): ParsedPayload => ({ format: "json", data: value as Record<string, unknown> });
const settings = { secrets: ["s"], toleranceSeconds: 300 };

describe("parsePayload", () => {
  it("reads a JSON object as the data", () => {
    expect(parsePayload(bytes('{"a":1}'), "application/json; charset=utf-8")).toEqual({ ok: true, payload: { format: "json", data: { a: 1 } } });
    expect(parsePayload(bytes('{"a":1}'), "application/vnd.api+json")).toMatchObject({ ok: true, payload: { data: { a: 1 } } });
  });

  it("puts other JSON values under body, and reads JSON without a content type", () => {
    expect(parsePayload(bytes("[1,2]"), "application/json")).toMatchObject({ ok: true, payload: { format: "json", data: { body: [1, 2] } } });
    expect(parsePayload(bytes('{"a":1}'), null)).toMatchObject({ ok: true, payload: { format: "json", data: { a: 1 } } });
  });

  it("refuses broken JSON under a JSON content type", () => {
    expect(parsePayload(bytes("{nope"), "application/json")).toMatchObject({ ok: false });
  });

  it("reads forms as fields, repeated fields as arrays", () => {
    const result = parsePayload(bytes("command=%2Fdeploy&text=prod+now&tag=a&tag=b"), "application/x-www-form-urlencoded");
    expect(result).toEqual({ ok: true, payload: { format: "form", data: { command: "/deploy", text: "prod now", tag: ["a", "b"] } } });
  });

  it("keeps any other body as text, and an empty body as {}", () => {
    expect(parsePayload(bytes("hello"), "text/plain")).toEqual({ ok: true, payload: { format: "text", data: { body: "hello" } } });
    expect(parsePayload(bytes("not json"), null)).toEqual({ ok: true, payload: { format: "text", data: { body: "not json" } } });
    expect(parsePayload(bytes(""), "application/json")).toEqual({ ok: true, payload: { format: "empty", data: {} } });
  });
});

describe("eventTypeSuffix", () => {
  it("maps slashes to dots and neutralises unsafe characters", () => {
    expect(eventTypeSuffix("orders/create")).toBe("orders.create");
    expect(eventTypeSuffix("invoice.paid")).toBe("invoice.paid");
    expect(eventTypeSuffix(" we ird\n<type> ")).toBe("we_ird__type_");
    expect(eventTypeSuffix("a//b")).toBe("a.b");
    expect(eventTypeSuffix("/lead/")).toBe("lead");
    expect(eventTypeSuffix("x".repeat(500))).toHaveLength(120);
  });

  it("falls back to webhook", () => {
    expect(eventTypeSuffix(undefined)).toBe("webhook");
    expect(eventTypeSuffix("")).toBe("webhook");
    expect(eventTypeSuffix(42)).toBe("webhook");
  });
});

describe("interpretations", () => {
  it("github: type from X-GitHub-Event, action in metadata, ping is a handshake", () => {
    const headers = new Headers({ "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "72d3162e", "X-GitHub-Hook-ID": "42" });
    expect(github.interpret(headers, json({ action: "opened" }), settings)).toEqual({
      kind: "event",
      type: "pull_request",
      data: { action: "opened" },
      deliveryId: "72d3162e",
      metadata: { deliveryId: "72d3162e", event: "pull_request", action: "opened", hookId: "42" },
    });
    expect(github.interpret(new Headers({ "X-GitHub-Event": "ping" }), json({ zen: "x" }), settings)).toEqual({ kind: "handshake", name: "ping" });
  });

  it("github: a form-encoded hook's payload field becomes the data", () => {
    const form: ParsedPayload = { format: "form", data: { payload: JSON.stringify({ action: "closed", number: 3 }) } };
    expect(github.interpret(new Headers({ "X-GitHub-Event": "issues" }), form, settings)).toMatchObject({ type: "issues", data: { action: "closed", number: 3 }, metadata: { action: "closed" } });
  });

  it("stripe: type and event id from the payload", () => {
    const result = stripe.interpret(new Headers(), json({ id: "evt_1", type: "invoice.paid", livemode: false, api_version: "2024-06-20", created: 1 }), settings);
    expect(result).toEqual({ kind: "event", type: "invoice.paid", deliveryId: "evt_1", metadata: { eventId: "evt_1", livemode: false, apiVersion: "2024-06-20", created: 1 } });
  });

  it("slack: url_verification answers the challenge; event_callback dedupes by event_id", () => {
    expect(slack.interpret(new Headers(), json({ type: "url_verification", challenge: "3eZbrw1a", token: "t" }), settings)).toEqual({
      kind: "handshake",
      name: "url_verification",
      fields: { challenge: "3eZbrw1a" },
    });
    const callback = slack.interpret(new Headers({ "X-Slack-Retry-Num": "1" }), json({ type: "event_callback", event_id: "Ev1", team_id: "T1", event: { type: "app_mention" } }), settings);
    expect(callback).toMatchObject({ kind: "event", type: "event_callback", deliveryId: "Ev1", metadata: { eventId: "Ev1", eventType: "app_mention", teamId: "T1", retryNum: "1" } });
  });

  it("slack: slash commands and interactivity (form posts) are acknowledged with an empty body", () => {
    const command = slack.interpret(new Headers(), { format: "form", data: { command: "/deploy", text: "prod", trigger_id: "tr1", team_id: "T1" } }, settings);
    expect(command).toMatchObject({ kind: "event", type: "slash_command", deliveryId: "tr1", reply: "empty", metadata: { command: "/deploy" } });
    const interactive = JSON.stringify({ type: "block_actions", trigger_id: "tr2", team: { id: "T1" }, user: { id: "U1" } });
    const action = slack.interpret(new Headers(), { format: "form", data: { payload: interactive } }, settings);
    expect(action).toMatchObject({ kind: "event", type: "block_actions", deliveryId: "tr2", reply: "empty", data: { payload: { type: "block_actions", user: { id: "U1" } } } });
    expect(slack.interpret(new Headers(), { format: "form", data: { ssl_check: "1", token: "x" } }, settings)).toEqual({ kind: "handshake", name: "ssl_check" });
  });

  it("linear: <type>.<action> lower-cased, Linear-Delivery as the id", () => {
    const headers = new Headers({ "Linear-Delivery": "d-1", "Linear-Event": "Issue" });
    const result = linear.interpret(headers, json({ action: "create", type: "Issue", webhookId: "w1", organizationId: "o1" }), settings);
    expect(result).toMatchObject({ kind: "event", type: "issue.create", deliveryId: "d-1", metadata: { deliveryId: "d-1", event: "Issue", action: "create", webhookId: "w1" } });
  });

  it("shopify: topic with / → ., X-Shopify-Webhook-Id as the id", () => {
    const headers = new Headers({ "X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "b54557e4", "X-Shopify-Shop-Domain": "shop.myshopify.com", "X-Shopify-Event-Id": "e1" });
    expect(shopify.interpret(headers, json({}), settings)).toMatchObject({ type: "orders.create", deliveryId: "b54557e4", metadata: { webhookId: "b54557e4", eventId: "e1", shopDomain: "shop.myshopify.com" } });
  });

  it("standard: payload.type or webhook, webhook-id (or svix-id) as the id", () => {
    expect(standard.interpret(new Headers({ "webhook-id": "msg_1", "webhook-timestamp": "1" }), json({ type: "user.created" }), settings)).toMatchObject({ type: "user.created", deliveryId: "msg_1" });
    expect(standard.interpret(new Headers({ "svix-id": "msg_2" }), json({ data: {} }), settings)).toMatchObject({ type: "webhook", deliveryId: "msg_2" });
  });

  it("generic: the configured event type and delivery id headers", () => {
    const configured = { ...settings, generic: { ...DEFAULT_GENERIC_OPTIONS, eventTypeHeader: "X-Event", deliveryIdHeader: "X-Delivery" } };
    expect(generic.interpret(new Headers({ "X-Event": "order/paid", "X-Delivery": "d9" }), json({}), configured)).toMatchObject({ type: "order.paid", deliveryId: "d9" });
    expect(generic.interpret(new Headers({ "X-Event": "order/paid" }), json({}), settings)).toMatchObject({ type: "webhook", deliveryId: undefined });
  });

  it("knows exactly the supported providers", () => {
    expect(providerByName("github")?.name).toBe("github");
    expect(providerByName("gitlab")).toBeNull();
    expect(providerByName("__proto__")).toBeNull();
  });
});

describe("combineSettings", () => {
  const config = getConfig({
    ADMIN_TOKEN: "x".repeat(20),
    STRIPE_WEBHOOK_SECRET: "whsec_a, whsec_b",
    SOURCE_TOLERANCE_SECONDS: "120",
    GENERIC_SIGNATURE_HEADER: "X-Sig",
    GENERIC_SIGNATURE_PREFIX: "sha256=",
  } as unknown as Env);

  it("uses Worker secrets (comma-separated for rotation) when nothing is stored", () => {
    expect(combineSettings(config, "stripe", null)).toEqual({ origin: "env", enabled: true, settings: { secrets: ["whsec_a", "whsec_b"], toleranceSeconds: 120 } });
    expect(combineSettings(config, "github", null)).toEqual({ origin: null });
    expect(combineSettings({ ...config, sources: { ...config.sources, secrets: { ...config.sources.secrets, generic: ["g"] } } }, "generic", null)).toMatchObject({
      settings: { generic: { header: "X-Sig", prefix: "sha256=", algorithm: "sha256", encoding: "hex" } },
    });
  });

  it("prefers the stored configuration, its tolerance and enabled flag", () => {
    const stored = { provider: "stripe", enabled: false, sealedSecrets: "", secretCount: 1, toleranceSeconds: 30, generic: null, createdAt: 0, updatedAt: 0, secrets: ["whsec_api"] };
    expect(combineSettings(config, "stripe", stored)).toEqual({ origin: "api", enabled: false, settings: { secrets: ["whsec_api"], toleranceSeconds: 30 } });
    expect(combineSettings(config, "stripe", { ...stored, toleranceSeconds: null })).toMatchObject({ settings: { toleranceSeconds: 120 } });
  });

  it("rejects a dedup window under 24 hours and a bad generic algorithm", () => {
    expect(() => getConfig({ ADMIN_TOKEN: "x".repeat(20), SOURCE_DEDUP_HOURS: "2" } as unknown as Env)).toThrow(/SOURCE_DEDUP_HOURS/);
    expect(() => getConfig({ ADMIN_TOKEN: "x".repeat(20), GENERIC_SIGNATURE_ALGORITHM: "md5" } as unknown as Env)).toThrow(/GENERIC_SIGNATURE_ALGORITHM/);
  });
});
