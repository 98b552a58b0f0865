/** Checking a delivery's signature (Standard Webhooks or X-Webhook) with the gateway's own signer. */
import { standardSignature, xWebhookSignature } from "../../src/delivery/destinations/signer";
import { timingSafeEqual } from "../../src/lib/crypto";

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
/** A signature scheme edgehook signs with. */
export type Scheme = "standard-webhooks" | "x-webhook";

/** The scheme a signature header value belongs to, from its form. */
export function schemeOf(signature: string): Scheme | null {
  if (/^sha256=/.test(signature.trim())) return "x-webhook";
  if (/(^|\s)v1,/.test(signature)) return "standard-webhooks";
  return null;
}

/** Checks `body` against the claim with `secret` (`whsec_<base64>` or plain text, as the gateway reads it). */
export async function verifySignature(secret: string, body: string, claim: SignatureClaim, options: VerifyOptions): Promise<Verdict> {
  const scheme = schemeOf(claim.signature);
  if (!scheme) return { valid: false, scheme, reason: "the signature is neither v1,<base64> (Standard Webhooks) nor sha256=<hex> (X-Webhook)" };
  if (!/^\d+$/.test(claim.timestamp)) return { valid: false, scheme, reason: "the timestamp is not a unix time" };
  const timestamp = Number(claim.timestamp);
  const timestampMs = scheme === "standard-webhooks" ? timestamp * 1000 : timestamp;
  const nowMs = options.nowMs ?? Date.now();
  if (options.toleranceSeconds > 0 && Math.abs(nowMs - timestampMs) > options.toleranceSeconds * 1000) {
    return { valid: false, scheme, reason: `the timestamp is more than ${options.toleranceSeconds} s from now` };
  }
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
