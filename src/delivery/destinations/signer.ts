/** Outbound signatures: Standard Webhooks (`webhook-signature`, v1 HMAC and v1a Ed25519) and `X-Webhook-Signature`, plus secret generation. */
import { randomBytes } from "../../lib/crypto";
import { signEd25519 } from "../../lib/ed25519";
import { fromBase64, toBase64, toHex } from "../../lib/encoding";

/** Prefix of generated secrets (Standard Webhooks convention). */
export const SECRET_PREFIX = "whsec_";

/** A new secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + toBase64(randomBytes(32));
}

/** The HMAC key of a secret: the decoded bytes of `whsec_<base64>`, otherwise its UTF-8 bytes. */
export function secretKey(secret: string): Uint8Array | string {
  if (secret.startsWith(SECRET_PREFIX)) {
    try {
      return fromBase64(secret.slice(SECRET_PREFIX.length));
    } catch {
      return secret;
    }
  }
  return secret;
}

const ENCODER = new TextEncoder();
const KEY_CACHE_LIMIT = 1000;
const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** HMAC-SHA256 under a secret, reusing the imported key (signing is on every attempt's path). */
async function sign(secret: string, message: string): Promise<Uint8Array> {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= KEY_CACHE_LIMIT) hmacKeys.clear();
    const raw = secretKey(secret);
    key = crypto.subtle.importKey("raw", typeof raw === "string" ? ENCODER.encode(raw) : raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secret, key);
  }
  return new Uint8Array(await crypto.subtle.sign("HMAC", await key, ENCODER.encode(message)));
}

/** True when a caller-supplied secret is usable: `whsec_` secrets must carry valid base64. */
export function isUsableSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return true;
  try {
    return fromBase64(secret.slice(SECRET_PREFIX.length)).length >= 16;
  } catch {
    return false;
  }
}

/** `v1,<base64 HMAC-SHA256 over "id.timestamp.body">` for one secret (timestamp in unix seconds). */
export async function standardSignature(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  return `v1,${toBase64(await sign(secret, `${id}.${timestampSeconds}.${body}`))}`;
}

/** `v1a,<base64 Ed25519 over "id.timestamp.body">` for one `whsk_` key (timestamp in unix seconds). */
export async function asymmetricSignature(secretKey: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  return `v1a,${await signEd25519(secretKey, `${id}.${timestampSeconds}.${body}`)}`;
}

/** `sha256=<hex HMAC-SHA256 over "timestampMs.body">` for one secret. */
export async function xWebhookSignature(secret: string, timestampMs: number, body: string): Promise<string> {
  return `sha256=${toHex(await sign(secret, `${timestampMs}.${body}`))}`;
}

/** Inputs of signatureHeaders. */
export interface SignatureInput {
  /** The event id (`webhook-id`). */
  id: string;
  body: string;
  /** Attempt time in epoch ms. */
  nowMs: number;
  /** HMAC secrets: current first, then a rotated one still in its grace period (none: no v1, no X-Webhook-Signature). */
  secrets: string[];
  /** Ed25519 `whsk_` keys, each adding a `v1a` entry. */
  signingKeys?: string[];
}

/**
 * The signing headers of one attempt. With several secrets or keys (rotation grace, a scheme
 * switch) `webhook-signature` is a space-separated list (Standard Webhooks: v1 entries, then v1a)
 * and `X-Webhook-Signature` a comma-separated one; it is left out when there is no HMAC secret.
 */
export async function signatureHeaders(input: SignatureInput): Promise<Record<string, string>> {
  const seconds = Math.floor(input.nowMs / 1000);
  const [standard, asymmetric, legacy] = await Promise.all([
    Promise.all(input.secrets.map((s) => standardSignature(s, input.id, seconds, input.body))),
    Promise.all((input.signingKeys ?? []).map((k) => asymmetricSignature(k, input.id, seconds, input.body))),
    Promise.all(input.secrets.map((s) => xWebhookSignature(s, input.nowMs, input.body))),
  ]);
  return {
    "webhook-id": input.id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": [...standard, ...asymmetric].join(" "),
    "X-Webhook-Timestamp": String(input.nowMs),
    ...(legacy.length ? { "X-Webhook-Signature": legacy.join(",") } : {}),
  };
}
