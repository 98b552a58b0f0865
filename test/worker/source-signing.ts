// Signs provider requests per each provider's documented scheme (node:crypto), for the worker tests of /sources.
import { createHmac } from "node:crypto";
import { call } from "./helpers";

const hmac = (algorithm: string, key: string | Buffer, text: string) => createHmac(algorithm, key).update(text);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Headers for a signed request to each provider (JSON bodies unless a content type is given). */
export const sign = {
  github: (secret: string, body: string, event = "push", delivery = crypto.randomUUID()) => ({
    "X-Hub-Signature-256": `sha256=${hmac("sha256", secret, body).digest("hex")}`,
    "X-GitHub-Event": event,
    "X-GitHub-Delivery": delivery,
  }),
  stripe: (secret: string, body: string, t = nowSeconds()) => ({ "Stripe-Signature": `t=${t},v1=${hmac("sha256", secret, `${t}.${body}`).digest("hex")}` }),
  slack: (secret: string, body: string, t = nowSeconds()) => ({
    "X-Slack-Signature": `v0=${hmac("sha256", secret, `v0:${t}:${body}`).digest("hex")}`,
    "X-Slack-Request-Timestamp": String(t),
  }),
  linear: (secret: string, body: string, delivery = crypto.randomUUID()) => ({ "Linear-Signature": hmac("sha256", secret, body).digest("hex"), "Linear-Delivery": delivery, "Linear-Event": "Issue" }),
  shopify: (secret: string, body: string, topic = "orders/create", webhookId = crypto.randomUUID()) => ({
    "X-Shopify-Hmac-Sha256": hmac("sha256", secret, body).digest("base64"),
    "X-Shopify-Topic": topic,
    "X-Shopify-Webhook-Id": webhookId,
    "X-Shopify-Shop-Domain": "edgehook-test.myshopify.com",
  }),
  standard: (secret: string, body: string, id = `msg_${crypto.randomUUID()}`, t = nowSeconds()) => ({
    "webhook-id": id,
    "webhook-timestamp": String(t),
    "webhook-signature": `v1,${hmac("sha256", Buffer.from(secret.replace(/^whsec_/, ""), "base64"), `${id}.${t}.${body}`).digest("base64")}`,
  }),
};

/** POSTs a raw body to /sources/:provider without a token. */
export function deliver(provider: string, body: string, headers: Record<string, string>, contentType = "application/json") {
  return call(`/sources/${provider}`, { token: null, rawBody: body, headers: { "Content-Type": contentType, ...headers } });
}
