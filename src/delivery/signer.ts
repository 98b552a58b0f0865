/** Outbound signatures: Standard Webhooks (`webhook-signature`) and `X-Webhook-Signature`, plus secret generation. */
import { hmac, randomBytes } from "../lib/crypto";
import { fromBase64, toBase64, toHex } from "../lib/encoding";

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
  return `v1,${toBase64(await hmac(secretKey(secret), `${id}.${timestampSeconds}.${body}`))}`;
}

/** `sha256=<hex HMAC-SHA256 over "timestampMs.body">` for one secret. */
export async function xWebhookSignature(secret: string, timestampMs: number, body: string): Promise<string> {
  return `sha256=${toHex(await hmac(secretKey(secret), `${timestampMs}.${body}`))}`;
}

/** Inputs of signatureHeaders. */
export interface SignatureInput {
  /** The event id (`webhook-id`). */
  id: string;
  body: string;
  /** Attempt time in epoch ms. */
  nowMs: number;
  /** Current secret first, then a rotated secret still in its grace period. */
  secrets: string[];
}

/**
 * The signing headers of one attempt. With several secrets (rotation grace) `webhook-signature`
 * is a space-separated list (Standard Webhooks) and `X-Webhook-Signature` a comma-separated one.
 */
export async function signatureHeaders(input: SignatureInput): Promise<Record<string, string>> {
  const seconds = Math.floor(input.nowMs / 1000);
  const [standard, legacy] = await Promise.all([
    Promise.all(input.secrets.map((s) => standardSignature(s, input.id, seconds, input.body))),
    Promise.all(input.secrets.map((s) => xWebhookSignature(s, input.nowMs, input.body))),
  ]);
  return {
    "webhook-id": input.id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": standard.join(" "),
    "X-Webhook-Timestamp": String(input.nowMs),
    "X-Webhook-Signature": legacy.join(","),
  };
}
