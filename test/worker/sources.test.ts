// POST /sources/:provider through the real Worker: verification, dedup, publishing, handshakes, refusals.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { retention } from "../../src/ops/retention";
import { call, createToken } from "./helpers";
import { base64, deliver, referenceHmac, sign } from "./source-signing";

// From vitest.workers.config.ts: GitHub has two Worker secrets (rotation), Slack one.
const GITHUB_SECRETS = ["gh-secret-new", "gh-secret-old"];
const SLACK_SECRET = "slack-signing-secret-0123456789";
const STRIPE_SECRET = "whsec_stripe_worker_test_secret";
const LINEAR_SECRET = "lin_wh_worker_test_secret";
const SHOPIFY_SECRET = "shpss_worker_test_secret";
const STANDARD_SECRET = `whsec_${base64.encode("standard-webhooks-worker-test-key!")}`;
const GENERIC_SECRET = "generic-shared-secret";

interface EventRow {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

async function event(id: string) {
  const row = await env.DB.prepare("SELECT * FROM events WHERE id = ?").bind(id).first<EventRow>();
  return row ? { id: row.id, type: row.type, data: JSON.parse(row.data), metadata: JSON.parse(row.metadata) } : null;
}

async function counts() {
  const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM events").first<{ n: number }>();
  const deliveries = await env.DB.prepare("SELECT COUNT(*) AS n FROM source_deliveries").first<{ n: number }>();
  return { events: events!.n, deliveries: deliveries!.n };
}

beforeAll(async () => {
  const put = (provider: string, body: unknown) => call(`/sources/${provider}`, { method: "PUT", body });
  for (const [provider, body] of Object.entries({
    stripe: { secret: STRIPE_SECRET },
    linear: { secret: LINEAR_SECRET },
    shopify: { secret: SHOPIFY_SECRET },
    standard: { secret: STANDARD_SECRET },
    generic: { secret: GENERIC_SECRET, header: "X-Hub-Signature", prefix: "sha256=", eventTypeHeader: "X-Event-Type", deliveryIdHeader: "X-Delivery-Id" },
  })) {
    const res = await put(provider, body);
    if (res.status !== 200) throw new Error(`PUT /sources/${provider}: ${res.status} ${res.text}`);
  }
});

describe("a verified delivery", () => {
  it("is published as <provider>.<type> with the payload as data and the provider ids as metadata, without a token", async () => {
    const body = JSON.stringify({ action: "opened", number: 7, pull_request: { title: "Add sources" } });
    const res = await deliver("github", body, sign.github(GITHUB_SECRETS[0]!, body, "pull_request", "gh-delivery-1"));
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ received: true, duplicate: false, provider: "github", deliveryId: "gh-delivery-1", type: "github.pull_request" });
    const stored = await event(res.json.data.eventId);
    expect(stored).toMatchObject({ type: "github.pull_request", data: JSON.parse(body) });
    expect(stored!.metadata).toMatchObject({ source: "github", deliveryId: "gh-delivery-1", event: "pull_request", action: "opened", requestId: res.json.meta.requestId });
  });

  it("accepts the previous secret while a secret is rotated (comma-separated Worker secret)", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const res = await deliver("github", body, sign.github(GITHUB_SECRETS[1]!, body, "push"));
    expect(res.status).toBe(200);
    expect(res.json.data.type).toBe("github.push");
  });

  it("keeps the exact payload: unicode, key order and numbers as sent", async () => {
    const body = '{"z":1,"a":"ünïcødé ✓","big":12345678901234567,"nested":{"b":2,"a":1}}';
    const res = await deliver("github", body, sign.github(GITHUB_SECRETS[0]!, body, "issues"));
    expect(res.status).toBe(200);
    const stored = await event(res.json.data.eventId);
    expect(JSON.stringify(stored!.data)).toBe(JSON.stringify(JSON.parse(body)));
  });

  it("publishes one event per provider with the documented type", async () => {
    const stripeBody = JSON.stringify({ id: "evt_worker_1", object: "event", type: "invoice.paid", data: { object: { id: "in_1" } } });
    const linearBody = JSON.stringify({ action: "create", type: "Issue", data: { id: "lin-1" }, webhookTimestamp: Date.now() });
    const shopifyBody = JSON.stringify({ id: 820982911946154500, email: "jon@example.com" });
    const standardBody = JSON.stringify({ type: "user.created", data: { id: "user_1" } });
    const slackBody = JSON.stringify({ type: "event_callback", event_id: "Ev0001", team_id: "T1", event: { type: "app_mention", text: "hi" } });
    const cases = [
      ["stripe", stripeBody, sign.stripe(STRIPE_SECRET, stripeBody), "stripe.invoice.paid", "evt_worker_1"],
      ["linear", linearBody, sign.linear(LINEAR_SECRET, linearBody, "lin-delivery-1"), "linear.issue.create", "lin-delivery-1"],
      ["shopify", shopifyBody, sign.shopify(SHOPIFY_SECRET, shopifyBody, "orders/create", "shop-wh-1"), "shopify.orders.create", "shop-wh-1"],
      ["standard", standardBody, sign.standard(STANDARD_SECRET, standardBody, "msg_worker_1"), "standard.user.created", "msg_worker_1"],
      ["slack", slackBody, sign.slack(SLACK_SECRET, slackBody), "slack.event_callback", "Ev0001"],
    ] as const;
    for (const [provider, body, headers, type, deliveryId] of cases) {
      const res = await deliver(provider, body, headers);
      expect(res.status, `${provider}: ${res.text}`).toBe(200);
      expect(res.json.data).toMatchObject({ provider, type, deliveryId, duplicate: false });
      const stored = await event(res.json.data.eventId);
      expect(stored).toMatchObject({ type, data: JSON.parse(body), metadata: { source: provider, deliveryId } });
    }
  });

  it("generic: the configured header, prefix, event type and delivery id headers", async () => {
    const body = JSON.stringify({ order: 5 });
    const signature = `sha256=${(await referenceHmac("sha256", GENERIC_SECRET, body)).hex}`;
    const res = await deliver("generic", body, { "X-Hub-Signature": signature, "X-Event-Type": "order/paid", "X-Delivery-Id": "gen-1" });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ type: "generic.order.paid", deliveryId: "gen-1" });
    const wrong = await deliver("generic", body, { "X-Signature": signature });
    expect(wrong.status).toBe(401);
  });
});

describe("deduplication", () => {
  it("acknowledges a duplicate delivery id with 2xx and publishes it once", async () => {
    const body = JSON.stringify({ id: "evt_dup_1", type: "customer.created" });
    const first = await deliver("stripe", body, sign.stripe(STRIPE_SECRET, body));
    const before = await counts();
    // Stripe retries carry a fresh signature timestamp but the same event id.
    const again = await deliver("stripe", body, sign.stripe(STRIPE_SECRET, body, Math.floor(Date.now() / 1000) - 5));
    expect(again.status).toBe(200);
    expect(again.json.data).toMatchObject({ duplicate: true, deliveryId: "evt_dup_1", eventId: first.json.data.eventId });
    expect(await counts()).toEqual(before);
  });

  it("publishes once when the same delivery arrives concurrently", async () => {
    const body = JSON.stringify({ action: "created" });
    const headers = sign.github(GITHUB_SECRETS[0]!, body, "star", "gh-concurrent-1");
    const before = await counts();
    const results = await Promise.all(Array.from({ length: 5 }, () => deliver("github", body, headers)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.filter((r) => !r.json.data.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.json.data.eventId)).size).toBe(1);
    // Remembered twice: under its delivery id and under its body hash.
    expect(await counts()).toEqual({ events: before.events + 1, deliveries: before.deliveries + 2 });
  });

  it("treats a signed body replayed with a fresh delivery id and another event header as a duplicate (GitHub, Shopify, Linear)", async () => {
    const replays: [string, string, (first: boolean) => Promise<Record<string, string>>][] = [
      ["github", JSON.stringify({ action: "opened", number: 77 }), (first) => sign.github(GITHUB_SECRETS[0]!, '{"action":"opened","number":77}', first ? "pull_request" : "release")],
      ["shopify", JSON.stringify({ id: 9977, total_price: "1.00" }), (first) => sign.shopify(SHOPIFY_SECRET, '{"id":9977,"total_price":"1.00"}', first ? "orders/create" : "orders/cancelled")],
      ["linear", JSON.stringify({ action: "create", type: "Issue", data: { id: "lin-replay" } }), () => sign.linear(LINEAR_SECRET, '{"action":"create","type":"Issue","data":{"id":"lin-replay"}}')],
    ];
    for (const [provider, body, headers] of replays) {
      const first = await deliver(provider, body, headers(true));
      expect(first.json.data.duplicate, provider).toBe(false);
      const before = await counts();
      const replay = await deliver(provider, body, headers(false));
      expect(replay.status).toBe(200);
      expect(replay.json.data, provider).toMatchObject({ duplicate: true, eventId: first.json.data.eventId });
      expect(await counts(), provider).toEqual(before);
    }
  });

  it("keeps two Standard Webhooks messages with one body apart: their ids are signed", async () => {
    const body = JSON.stringify({ type: "user.updated", data: { id: "user_same_body" } });
    const first = await deliver("standard", body, sign.standard(STANDARD_SECRET, body));
    const second = await deliver("standard", body, sign.standard(STANDARD_SECRET, body));
    expect(first.json.data.duplicate).toBe(false);
    expect(second.json.data.duplicate).toBe(false);
  });

  it("takes Linear's type from the signed body, not from the unsigned Linear-Event header", async () => {
    const body = JSON.stringify({ action: "update", type: "Comment", data: { id: "lin-type" } });
    const res = await deliver("linear", body, { ...(await sign.linear(LINEAR_SECRET, body)), "Linear-Event": "Issue" });
    expect(res.json.data.type).toBe("linear.comment.update");
  });

  it("dedupes by the body's hash when the provider sends no id, and per provider", async () => {
    const body = JSON.stringify({ order: "no-id" });
    const signature = `sha256=${(await referenceHmac("sha256", GENERIC_SECRET, body)).hex}`;
    const first = await deliver("generic", body, { "X-Hub-Signature": signature });
    expect(first.json.data.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.json.data.type).toBe("generic.webhook");
    const second = await deliver("generic", body, { "X-Hub-Signature": signature });
    expect(second.json.data).toMatchObject({ duplicate: true, eventId: first.json.data.eventId });
    // The same id from another provider is another delivery.
    const gh = await deliver("github", body, sign.github(GITHUB_SECRETS[0]!, body, "push", first.json.data.deliveryId));
    expect(gh.json.data.duplicate).toBe(false);
  });

  it("remembers an id for SOURCE_DEDUP_HOURS (72 h by default); the cron's retention then forgets it", async () => {
    const body = JSON.stringify({ id: "evt_expiry", type: "invoice.paid" });
    const res = await deliver("stripe", body, sign.stripe(STRIPE_SECRET, body));
    const row = await env.DB.prepare("SELECT received_at, expires_at FROM source_deliveries WHERE delivery_id = 'evt_expiry'").first<{ received_at: number; expires_at: number }>();
    expect(row!.expires_at - row!.received_at).toBe(72 * 3_600_000);
    await retention(env, row!.expires_at - 1);
    expect(await env.DB.prepare("SELECT 1 FROM source_deliveries WHERE delivery_id = 'evt_expiry'").first()).not.toBeNull();
    await retention(env, row!.expires_at + 1);
    expect(await env.DB.prepare("SELECT 1 FROM source_deliveries WHERE delivery_id = 'evt_expiry'").first()).toBeNull();
    // Forgotten, the same id is a new delivery again (the event log keeps the first one).
    const again = await deliver("stripe", body, sign.stripe(STRIPE_SECRET, body));
    expect(again.json.data).toMatchObject({ duplicate: false });
    expect(again.json.data.eventId).not.toBe(res.json.data.eventId);
  });
});

describe("refusals store nothing", () => {
  const body = JSON.stringify({ id: "evt_refused", type: "invoice.paid" });
  const cases: [string, string, Record<string, string> | Promise<Record<string, string>>, RegExp][] = [
    ["tampered body", body.replace("paid", "void"), sign.stripe(STRIPE_SECRET, body), /does not match/],
    ["wrong secret", body, sign.stripe("whsec_someone_else", body), /does not match/],
    ["missing signature", body, {}, /Missing Stripe-Signature/],
    ["stale timestamp", body, sign.stripe(STRIPE_SECRET, body, Math.floor(Date.now() / 1000) - 600), /old, outside the 300 s tolerance/],
  ];
  for (const [name, sent, headers, message] of cases) {
    it(`401 SIGNATURE_INVALID for a ${name}`, async () => {
      const before = await counts();
      const res = await deliver("stripe", sent, headers);
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ success: false, code: "SIGNATURE_INVALID", retryable: false, details: { provider: "stripe" } });
      expect(res.json.error).toMatch(message);
      expect(await counts()).toEqual(before);
    });
  }

  it("says which reason: stale is timestamp_out_of_tolerance", async () => {
    const res = await deliver("slack", body, sign.slack(SLACK_SECRET, body, Math.floor(Date.now() / 1000) - 3600));
    expect(res.json.details.reason).toBe("timestamp_out_of_tolerance");
    expect(res.json.error).toMatch(/stale/);
  });

  it("404 for an unknown provider, 503 naming the secret for a known one without it", async () => {
    const unknown = await deliver("gitlab", body, {});
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: "NOT_FOUND", details: { supported: ["github", "stripe", "slack", "linear", "shopify", "standard", "generic"] } });
    await call("/sources/shopify", { method: "DELETE" });
    const unconfigured = await deliver("shopify", body, sign.shopify(SHOPIFY_SECRET, body));
    expect(unconfigured.status).toBe(503);
    expect(unconfigured.json).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryable: true, details: { provider: "shopify", reason: "unconfigured" } });
    expect(unconfigured.json.error).toMatch(/SHOPIFY_WEBHOOK_SECRET/);
    await call("/sources/shopify", { method: "PUT", body: { secret: SHOPIFY_SECRET } });
  });

  it("400 INVALID_JSON for a signed but unparsable JSON body, after verification", async () => {
    const broken = '{"id": "evt_broken", ';
    const before = await counts();
    const res = await deliver("stripe", broken, sign.stripe(STRIPE_SECRET, broken));
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("INVALID_JSON");
    expect((await deliver("stripe", broken, {})).status).toBe(401);
    expect(await counts()).toEqual(before);
  });

  it("ignores a bearer token: the signature is the only authentication", async () => {
    const { key } = await createToken(["task"]);
    const res = await call("/sources/stripe", { token: key, rawBody: body, headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe("SIGNATURE_INVALID");
  });
});

describe("handshakes and form posts", () => {
  it("answers Slack url_verification with the challenge at the top level and publishes nothing", async () => {
    const body = JSON.stringify({ token: "legacy", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
    const before = await counts();
    const res = await deliver("slack", body, sign.slack(SLACK_SECRET, body));
    expect(res.status).toBe(200);
    expect(res.json.challenge).toBe("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    expect(res.json.data).toMatchObject({ handshake: "url_verification", challenge: res.json.challenge });
    expect(await counts()).toEqual(before);
    expect((await deliver("slack", body, sign.slack("wrong", body))).status).toBe(401);
  });

  it("acknowledges GitHub's ping without publishing", async () => {
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const before = await counts();
    const res = await deliver("github", body, sign.github(GITHUB_SECRETS[0]!, body, "ping"));
    expect(res.status).toBe(200);
    expect(res.json.data.handshake).toBe("ping");
    expect(await counts()).toEqual(before);
  });

  it("reads a Slack slash command (form-encoded), publishes it, and replies with an empty 200", async () => {
    const body = "token=x&team_id=T1&channel_id=C1&user_id=U1&command=%2Fdeploy&text=prod+now&trigger_id=13345224609.738474920.8088930838d88f008e0";
    const res = await deliver("slack", body, sign.slack(SLACK_SECRET, body), "application/x-www-form-urlencoded");
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    expect(res.headers.get("X-Request-ID")).toMatch(/^req-/);
    const row = await env.DB.prepare("SELECT id FROM events WHERE type = 'slack.slash_command'").first<{ id: string }>();
    const stored = await event(row!.id);
    expect(stored!.data).toMatchObject({ command: "/deploy", text: "prod now", user_id: "U1" });
    expect(stored!.metadata).toMatchObject({ deliveryId: "13345224609.738474920.8088930838d88f008e0", command: "/deploy" });
  });

  it("reads Slack interactivity: the payload field's JSON becomes data.payload", async () => {
    const payload = { type: "block_actions", trigger_id: "tr-42", user: { id: "U2" }, actions: [{ action_id: "approve" }] };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const res = await deliver("slack", body, sign.slack(SLACK_SECRET, body), "application/x-www-form-urlencoded");
    expect(res.status).toBe(200);
    const row = await env.DB.prepare("SELECT id FROM events WHERE type = 'slack.block_actions'").first<{ id: string }>();
    expect((await event(row!.id))!.data.payload).toEqual(payload);
  });
});
