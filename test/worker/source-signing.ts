// Signs provider requests per each provider's documented scheme (Web Crypto reference HMAC), for the unit and worker tests of /sources.
import { call } from "./helpers";

const ENCODER = new TextEncoder();
const HASHES = { sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" } as const;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Standard base64 of bytes or of UTF-8 text, and its inverse. */
export const base64 = {
  encode: (value: string | Uint8Array) => btoa(String.fromCharCode(...(typeof value === "string" ? ENCODER.encode(value) : value))),
  decode: (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0)),
};

/**
 * A reference HMAC straight on Web Crypto (independent of src/lib), over the concatenated parts,
 * as lower-case hex and standard base64.
 */
export async function referenceHmac(algorithm: keyof typeof HASHES, key: string | Uint8Array, ...parts: (string | Uint8Array)[]) {
  const bytes = (v: string | Uint8Array) => (typeof v === "string" ? ENCODER.encode(v) : v);
  const chunks = parts.map(bytes);
  const message = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (message.set(c, offset), offset + c.length), 0);
  const cryptoKey = await crypto.subtle.importKey("raw", bytes(key), { name: "HMAC", hash: HASHES[algorithm] }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
  return { hex: [...mac].map((b) => b.toString(16).padStart(2, "0")).join(""), base64: base64.encode(mac) };
}

/** Headers for a signed request to each provider (JSON bodies unless a content type is given). */
export const sign = {
  github: async (secret: string, body: string, event = "push", delivery = crypto.randomUUID()) => ({
    "X-Hub-Signature-256": `sha256=${(await referenceHmac("sha256", secret, body)).hex}`,
    "X-GitHub-Event": event,
    "X-GitHub-Delivery": delivery,
  }),
  stripe: async (secret: string, body: string, t = nowSeconds()) => ({ "Stripe-Signature": `t=${t},v1=${(await referenceHmac("sha256", secret, `${t}.${body}`)).hex}` }),
  slack: async (secret: string, body: string, t = nowSeconds()) => ({
    "X-Slack-Signature": `v0=${(await referenceHmac("sha256", secret, `v0:${t}:${body}`)).hex}`,
    "X-Slack-Request-Timestamp": String(t),
  }),
  linear: async (secret: string, body: string, delivery = crypto.randomUUID()) => ({ "Linear-Signature": (await referenceHmac("sha256", secret, body)).hex, "Linear-Delivery": delivery, "Linear-Event": "Issue" }),
  shopify: async (secret: string, body: string, topic = "orders/create", webhookId = crypto.randomUUID()) => ({
    "X-Shopify-Hmac-Sha256": (await referenceHmac("sha256", secret, body)).base64,
    "X-Shopify-Topic": topic,
    "X-Shopify-Webhook-Id": webhookId,
    "X-Shopify-Shop-Domain": "edgehook-test.myshopify.com",
  }),
  standard: async (secret: string, body: string, id = `msg_${crypto.randomUUID()}`, t = nowSeconds()) => ({
    "webhook-id": id,
    "webhook-timestamp": String(t),
    "webhook-signature": `v1,${(await referenceHmac("sha256", base64.decode(secret.replace(/^whsec_/, "")), `${id}.${t}.${body}`)).base64}`,
  }),
};

/** POSTs a raw body to /sources/:provider without a token. */
export async function deliver(provider: string, body: string, headers: Record<string, string> | Promise<Record<string, string>>, contentType = "application/json") {
  return call(`/sources/${provider}`, { token: null, rawBody: body, headers: { "Content-Type": contentType, ...(await headers) } });
}
