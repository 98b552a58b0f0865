// Provider sources over real HTTP, signed with the providers' own libraries where they exist
// (@octokit/webhooks-methods, stripe, standardwebhooks) and with the documented algorithm otherwise.
import { createHmac, randomUUID } from "node:crypto";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { beforeAll, describe, expect, inject, it } from "vitest";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const stripeClient = new Stripe("sk_test_edgehook_e2e_not_a_real_key");

const SECRETS = {
  github: "e2e-github-webhook-secret",
  stripe: "whsec_e2e_stripe_endpoint_secret",
  slack: "e2e8f3a1c0d9b7e6a5f4e3d2c1b0a9f8",
  linear: "lin_wh_e2e_linear_secret",
  shopify: "shpss_e2e_shopify_client_secret",
  standard: `whsec_${Buffer.from("e2e-standard-webhooks-secret-32b!").toString("base64")}`,
  generic: "e2e-generic-secret",
};
const WRONG = "not-the-configured-secret";
const now = () => Math.floor(Date.now() / 1000);
const STALE = () => now() - 3600;

/** A signed request: the body and its headers. */
interface Signed {
  body: string;
  headers: Record<string, string>;
}

/** For each provider: make a signed request for a body (with a secret, optionally at a timestamp, with a delivery id). */
const signers: Record<string, (body: string, secret: string, id: string, at?: number) => Promise<Signed>> = {
  github: async (body, secret, id) => ({ body, headers: { "X-Hub-Signature-256": await signGithub(secret, body), "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": id } }),
  stripe: async (body, secret, _id, at = now()) => ({ body, headers: { "Stripe-Signature": stripeClient.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: at }) } }),
  slack: async (body, secret, _id, at = now()) => ({
    body,
    headers: { "X-Slack-Signature": `v0=${createHmac("sha256", secret).update(`v0:${at}:${body}`).digest("hex")}`, "X-Slack-Request-Timestamp": String(at) },
  }),
  linear: async (body, secret, id) => ({ body, headers: { "Linear-Signature": createHmac("sha256", secret).update(body).digest("hex"), "Linear-Delivery": id, "Linear-Event": "Issue" } }),
  shopify: async (body, secret, id) => ({
    body,
    headers: { "X-Shopify-Hmac-Sha256": createHmac("sha256", secret).update(body).digest("base64"), "X-Shopify-Topic": "orders/paid", "X-Shopify-Webhook-Id": id },
  }),
  standard: async (body, secret, id, at = now()) => {
    // The library wants a whsec_ (base64) secret; a wrong secret is still a valid one, just not ours.
    const key = secret.startsWith("whsec_") ? secret : `whsec_${Buffer.from(secret).toString("base64")}`;
    return { body, headers: { "webhook-id": id, "webhook-timestamp": String(at), "webhook-signature": new Webhook(key).sign(id, new Date(at * 1000), body) } };
  },
  generic: async (body, secret, id) => ({ body, headers: { "X-Signature": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`, "X-Event": "invoice/settled", "X-Delivery": id } }),
};

/** A body per provider whose own id (where the id lives in the body) is `id`. */
const bodies: Record<string, (id: string) => string> = {
  github: () => JSON.stringify({ action: "opened", number: 12, pull_request: { title: "e2e" } }),
  stripe: (id) => JSON.stringify({ id, object: "event", type: "invoice.paid", data: { object: { id: "in_e2e", amount_paid: 1200 } } }),
  slack: (id) => JSON.stringify({ type: "event_callback", event_id: id, team_id: "T0E2E", event: { type: "app_mention", text: "hello" } }),
  linear: () => JSON.stringify({ action: "update", type: "Issue", data: { id: "lin-e2e", title: "Löwe 🦁" }, webhookTimestamp: Date.now() }),
  shopify: () => JSON.stringify({ id: 450789469, total_price: "409.94" }),
  standard: () => JSON.stringify({ type: "user.created", data: { id: "user_e2e" } }),
  generic: () => JSON.stringify({ invoice: "inv-1" }),
};

const EXPECTED_TYPES: Record<string, string> = {
  github: "github.pull_request",
  stripe: "stripe.invoice.paid",
  slack: "slack.event_callback",
  linear: "linear.issue.update",
  shopify: "shopify.orders.paid",
  standard: "standard.user.created",
  generic: "generic.invoice.settled",
};
const TIMESTAMPED = new Set(["stripe", "slack", "standard"]);

async function deliver(provider: string, signed: Signed) {
  const res = await fetch(`${url}/webhooks/v2/sources/${provider}`, { method: "POST", headers: { "Content-Type": "application/json", ...signed.headers }, body: signed.body });
  return { status: res.status, json: (await res.json()) as any };
}

beforeAll(async () => {
  for (const [provider, secret] of Object.entries(SECRETS)) {
    const extra = provider === "generic" ? { prefix: "sha256=", eventTypeHeader: "X-Event", deliveryIdHeader: "X-Delivery" } : {};
    const res = await fetch(`${url}/webhooks/v2/sources/${provider}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ secret, ...extra }),
    });
    if (res.status !== 200) throw new Error(`PUT /sources/${provider}: ${res.status} ${await res.text()}`);
  }
});

for (const provider of Object.keys(SECRETS)) {
  describe(provider, () => {
    const secret = SECRETS[provider as keyof typeof SECRETS];
    const sign = signers[provider]!;

    it("accepts a delivery signed by the provider's scheme and publishes it once", async () => {
      const id = `${provider}-${randomUUID()}`;
      const signed = await sign(bodies[provider]!(id), secret, id);
      const first = await deliver(provider, signed);
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      expect(first.json.data).toMatchObject({ received: true, duplicate: false, provider, type: EXPECTED_TYPES[provider] });
      expect(first.json.data.eventId).toMatch(/^evt-/);
      // A provider's retry: the same delivery id, re-signed with a fresh timestamp where the scheme has one.
      const again = await deliver(provider, TIMESTAMPED.has(provider) ? await sign(signed.body, secret, id) : signed);
      expect(again.status).toBe(200);
      expect(again.json.data).toMatchObject({ duplicate: true, eventId: first.json.data.eventId });
    });

    it("refuses a tampered body, and stores nothing (the same id is new afterwards)", async () => {
      const id = `${provider}-${randomUUID()}`;
      const signed = await sign(bodies[provider]!(id), secret, id);
      const tampered = await deliver(provider, { ...signed, body: signed.body.replace("}", ',"injected":true}') });
      expect(tampered.status).toBe(401);
      expect(tampered.json).toMatchObject({ success: false, code: "SIGNATURE_INVALID", details: { reason: "signature_mismatch" } });
      const genuine = await deliver(provider, signed);
      expect(genuine.json.data.duplicate).toBe(false);
    });

    it("refuses a signature made with the wrong secret", async () => {
      const id = `${provider}-${randomUUID()}`;
      const res = await deliver(provider, await sign(bodies[provider]!(id), WRONG, id));
      expect(res.status).toBe(401);
      expect(res.json.code).toBe("SIGNATURE_INVALID");
    });

    if (TIMESTAMPED.has(provider)) {
      it("refuses a stale timestamp with a reason that says so", async () => {
        const id = `${provider}-${randomUUID()}`;
        const res = await deliver(provider, await sign(bodies[provider]!(id), secret, id, STALE()));
        expect(res.status).toBe(401);
        expect(res.json).toMatchObject({ code: "SIGNATURE_INVALID", details: { reason: "timestamp_out_of_tolerance" } });
        expect(res.json.error).toMatch(/outside the 300 s tolerance/);
      });
    }
  });
}

describe("linear webhookTimestamp", () => {
  it("refuses a signed body whose webhookTimestamp is stale", async () => {
    const id = randomUUID();
    const body = JSON.stringify({ action: "create", type: "Comment", data: {}, webhookTimestamp: Date.now() - 3_600_000 });
    const res = await deliver("linear", await signers.linear!(body, SECRETS.linear, id));
    expect(res.status).toBe(401);
    expect(res.json.details.reason).toBe("timestamp_out_of_tolerance");
  });
});

describe("svix headers", () => {
  it("accepts a Standard Webhooks signature under svix-* header names (Svix, Clerk)", async () => {
    const id = `msg_${randomUUID()}`;
    const signed = await signers.standard!(bodies.standard!(id), SECRETS.standard, id);
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.replace("webhook-", "svix-"), v]));
    const res = await deliver("standard", { body: signed.body, headers });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ type: "standard.user.created", deliveryId: id });
  });
});

describe("slack handshake", () => {
  it("answers url_verification with the challenge", async () => {
    const body = JSON.stringify({ token: "t", challenge: "e2e-challenge-value", type: "url_verification" });
    const res = await deliver("slack", await signers.slack!(body, SECRETS.slack, ""));
    expect(res.status).toBe(200);
    expect(res.json.challenge).toBe("e2e-challenge-value");
  });
});
