/** Checking a delivery's signature (Standard Webhooks v1 / v1a or X-Webhook) with the gateway's own signer. */
import { standardSignature, xWebhookSignature } from "../../src/delivery/destinations/signer";
import { timingSafeEqual } from "../../src/lib/crypto";
import { verifyEd25519 } from "../../src/lib/ed25519";

/** The headers' values a check needs. */
export interface SignatureClaim {
  /** `webhook-signature` (`v1,<base64>`, space-separated) or `X-Webhook-Signature` (`sha256=<hex>`, comma-separated). */
  signature: string;
  /** `webhook-timestamp` (unix seconds) or `X-Webhook-Timestamp` (unix ms). */
  timestamp: string;
  /** `webhook-id`; needed for Standard Webhooks only. */
  id?: string;
}

/** Options of verifySignature. */
export interface VerifyOptions {
  /** Largest accepted distance between the timestamp and now, in seconds; 0 turns the check off. */
  toleranceSeconds: number;
  nowMs?: number;
}

/** The outcome: which scheme the signature uses, and why it is not valid when it is not. */
export type Verdict = { valid: true; scheme: Scheme } | { valid: false; scheme: Scheme | null; reason: string };
/** A signature scheme edgehook signs with (`standard-webhooks-v1a`: Ed25519). */
export type Scheme = "standard-webhooks" | "standard-webhooks-v1a" | "x-webhook";

/** The scheme a signature header value belongs to, from its form. */
export function schemeOf(signature: string): Scheme | null {
  if (/^sha256=/.test(signature.trim())) return "x-webhook";
  if (/(^|\s)v1,/.test(signature)) return "standard-webhooks";
  if (/(^|\s)v1a,/.test(signature)) return "standard-webhooks-v1a";
  return null;
}

/** Why the claim's timestamp is refused, or null when it is a unix time within the tolerance. */
function timestampRefusal(claim: SignatureClaim, timestampMs: (t: number) => number, options: VerifyOptions): string | null {
  if (!/^\d+$/.test(claim.timestamp)) return "the timestamp is not a unix time";
  const nowMs = options.nowMs ?? Date.now();
  if (options.toleranceSeconds > 0 && Math.abs(nowMs - timestampMs(Number(claim.timestamp))) > options.toleranceSeconds * 1000) {
    return `the timestamp is more than ${options.toleranceSeconds} s from now`;
  }
  return null;
}

/** Checks the `v1a,<base64>` entries of a Standard Webhooks signature with an Ed25519 `whpk_` public key. */
export async function verifyWithPublicKey(publicKey: string, body: string, claim: SignatureClaim, options: VerifyOptions): Promise<Verdict> {
  const scheme = "standard-webhooks-v1a" as const;
  const entries = claim.signature.split(/\s+/).filter((e) => e.startsWith("v1a,"));
  if (entries.length === 0) return { valid: false, scheme: null, reason: "the signature has no v1a,<base64> entry (Ed25519)" };
  const refusal = timestampRefusal(claim, (t) => t * 1000, options);
  if (refusal) return { valid: false, scheme, reason: refusal };
  if (!claim.id) return { valid: false, scheme, reason: "Standard Webhooks signatures cover the webhook-id: pass --id" };
  const message = `${claim.id}.${claim.timestamp}.${body}`;
  const results = await Promise.all(entries.map((e) => verifyEd25519(publicKey, message, e.slice("v1a,".length))));
  return results.includes(true) ? { valid: true, scheme } : { valid: false, scheme, reason: "no v1a signature matches this public key and body" };
}

/** Checks `body` against the claim with `secret` (`whsec_<base64>` or plain text, as the gateway reads it). */
export async function verifySignature(secret: string, body: string, claim: SignatureClaim, options: VerifyOptions): Promise<Verdict> {
  const scheme = schemeOf(claim.signature);
  if (scheme === "standard-webhooks-v1a") return { valid: false, scheme, reason: "v1a signatures are Ed25519: check them with --public-key" };
  if (!scheme) return { valid: false, scheme, reason: "the signature is neither v1,<base64> (Standard Webhooks) nor sha256=<hex> (X-Webhook)" };
  const refusal = timestampRefusal(claim, (t) => (scheme === "standard-webhooks" ? t * 1000 : t), options);
  if (refusal) return { valid: false, scheme, reason: refusal };
  const timestamp = Number(claim.timestamp);
  let expected: string;
  let presented: string[];
  if (scheme === "standard-webhooks") {
    if (!claim.id) return { valid: false, scheme, reason: "Standard Webhooks signatures cover the webhook-id: pass --id" };
    expected = await standardSignature(secret, claim.id, timestamp, body);
    presented = claim.signature.split(/\s+/).filter(Boolean);
  } else {
    expected = await xWebhookSignature(secret, timestamp, body);
    presented = claim.signature.split(",").map((s) => s.trim());
  }
  // Compare with every presented entry (a rotation sends several), without stopping early.
  let match = false;
  for (const candidate of presented) match = timingSafeEqual(candidate, expected) || match;
  return match ? { valid: true, scheme } : { valid: false, scheme, reason: "no signature matches this secret and body" };
}
