// Provider request signing for the e2e tests of /sources: the providers' own libraries where they exist
// (@octokit/webhooks-methods, stripe, standardwebhooks), the documented algorithm otherwise.
import { createHmac } from "node:crypto";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";

const stripeClient = new Stripe("sk_test_edgehook_e2e_not_a_real_key");

export const SECRETS = {
  github: "e2e-github-webhook-secret",
  stripe: "whsec_e2e_stripe_endpoint_secret",
  slack: "e2e8f3a1c0d9b7e6a5f4e3d2c1b0a9f8",
  linear: "lin_wh_e2e_linear_secret",
  shopify: "shpss_e2e_shopify_client_secret",
  standard: `whsec_${Buffer.from("e2e-standard-webhooks-secret-32b!").toString("base64")}`,
  generic: "e2e-generic-secret",
};
export const WRONG = "not-the-configured-secret";
const now = () => Math.floor(Date.now() / 1000);
export const STALE = () => now() - 3600;

/** A signed request: the body and its headers. */
export interface Signed {
  body: string;
  headers: Record<string, string>;
}

/** For each provider: make a signed request for a body (with a secret, optionally at a timestamp, with a delivery id). */
export const signers: Record<string, (body: string, secret: string, id: string, at?: number) => Promise<Signed>> = {
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
export const bodies: Record<string, (id: string) => string> = {
  // Each delivery's body is unique (as a real provider's is): an identical signed body is a replay (docs/SECURITY.md).
  github: (id) => JSON.stringify({ action: "opened", number: 12, pull_request: { title: "e2e", head: { sha: id } } }),
  stripe: (id) => JSON.stringify({ id, object: "event", type: "invoice.paid", data: { object: { id: "in_e2e", amount_paid: 1200 } } }),
  slack: (id) => JSON.stringify({ type: "event_callback", event_id: id, team_id: "T0E2E", event: { type: "app_mention", text: "hello" } }),
  linear: (id) => JSON.stringify({ action: "update", type: "Issue", data: { id: "lin-e2e", title: "Löwe 🦁" }, webhookId: id, webhookTimestamp: Date.now() }),
  shopify: (id) => JSON.stringify({ id: 450789469, total_price: "409.94", admin_graphql_api_id: id }),
  standard: () => JSON.stringify({ type: "user.created", data: { id: "user_e2e" } }),
  generic: (id) => JSON.stringify({ invoice: "inv-1", delivery: id }),
};

export const EXPECTED_TYPES: Record<string, string> = {
  github: "github.pull_request",
  stripe: "stripe.invoice.paid",
  slack: "slack.event_callback",
  linear: "linear.issue.update",
  shopify: "shopify.orders.paid",
  standard: "standard.user.created",
  generic: "generic.invoice.settled",
};
export const TIMESTAMPED = new Set(["stripe", "slack", "standard"]);

/** POSTs a signed request to the gateway at `url`. */
export async function deliver(url: string, provider: string, signed: Signed) {
  const res = await fetch(`${url}/webhooks/v2/sources/${provider}`, { method: "POST", headers: { "Content-Type": "application/json", ...signed.headers }, body: signed.body });
  return { status: res.status, json: (await res.json()) as any };
}

/** Configures every provider's secret (and the generic scheme) on the gateway through the admin API. */
export async function configureSources(url: string, admin: string) {
  for (const [provider, secret] of Object.entries(SECRETS)) {
    const extra = provider === "generic" ? { prefix: "sha256=", eventTypeHeader: "X-Event", deliveryIdHeader: "X-Delivery" } : {};
    const res = await fetch(`${url}/webhooks/v2/sources/${provider}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ secret, ...extra }),
    });
    if (res.status !== 200) throw new Error(`PUT /sources/${provider}: ${res.status} ${await res.text()}`);
  }
}
