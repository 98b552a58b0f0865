/**
 * Standard Webhooks (also Svix and Clerk): `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * (space-separated list), `webhook-id`, `webhook-timestamp` inside the tolerance; `svix-*` headers accepted too.
 */
import { fromBase64 } from "../lib/encoding";
import { compact, eventTypeSuffix, field, type SourceProvider } from "./provider";
import { checkTimestamp, header, matchHmac, mismatch, missing, parseUnixSeconds, refuse, signedBytes } from "./signature";

const SECRET_PREFIX = "whsec_";
const ENCODER = new TextEncoder();

/** A Standard Webhooks header, falling back to its Svix name (`webhook-id` → `svix-id`). */
function standardHeader(headers: Headers, name: "id" | "timestamp" | "signature"): string | null {
  return header(headers, `webhook-${name}`) ?? header(headers, `svix-${name}`);
}

/**
 * The HMAC keys a secret may stand for: `whsec_<base64>` is the decoded bytes (the spec's form); a
 * secret without the prefix may be base64 (as the reference libraries read it) or plain text (as
 * edgehook's own outbound signer reads it), so both are tried.
 */
export function standardKeys(secret: string): Uint8Array[] {
  const decode = (text: string): Uint8Array | null => {
    try {
      const bytes = fromBase64(text);
      return bytes.length > 0 ? bytes : null;
    } catch {
      return null;
    }
  };
  if (secret.startsWith(SECRET_PREFIX)) {
    const bytes = decode(secret.slice(SECRET_PREFIX.length));
    return bytes ? [bytes] : [ENCODER.encode(secret)];
  }
  const bytes = decode(secret);
  return bytes ? [ENCODER.encode(secret), bytes] : [ENCODER.encode(secret)];
}

/** The v1 signatures of a `webhook-signature` header (other versions, e.g. asymmetric v1a, are ignored). */
export function parseStandardSignatures(value: string): string[] {
  return value
    .split(/\s+/)
    .map((entry) => entry.split(","))
    .filter(([version, signature]) => version === "v1" && signature)
    .map(([, signature]) => signature!);
}

/** Standard Webhooks senders: Svix, Clerk, and any library implementing the spec. */
export const standard: SourceProvider = {
  name: "standard",
  title: "Standard Webhooks",
  signsDeliveryId: true,

  async verify(request, settings) {
    const signature = standardHeader(request.headers, "signature");
    if (!signature) return missing("webhook-signature");
    const id = standardHeader(request.headers, "id");
    if (!id) return refuse("malformed_signature", "Missing webhook-id header (it is part of the signed content)");
    const timestamp = standardHeader(request.headers, "timestamp");
    if (timestamp === null) return refuse("missing_timestamp", "Missing webhook-timestamp header");
    const seconds = parseUnixSeconds(timestamp);
    if (seconds === null) return refuse("malformed_timestamp", "webhook-timestamp is not a unix timestamp");
    const candidates = parseStandardSignatures(signature);
    if (candidates.length === 0) return refuse("malformed_signature", 'webhook-signature has no "v1,<base64>" entry');
    const ok = await matchHmac({ keys: settings.secrets.flatMap(standardKeys), message: signedBytes(`${id}.${timestamp}.`, request.body), candidates, encoding: "base64" });
    if (!ok) return mismatch("webhook-signature");
    return checkTimestamp(seconds, request.now, settings.toleranceSeconds);
  },

  /** `standard.<payload.type>` (Clerk: `standard.user.created`), else `standard.webhook`; deduplicated by `webhook-id`. */
  interpret(headers, payload) {
    const id = standardHeader(headers, "id");
    return {
      kind: "event",
      type: eventTypeSuffix(field(payload.data, "type")),
      deliveryId: id ?? undefined,
      metadata: compact({ webhookId: id, timestamp: standardHeader(headers, "timestamp") }),
    };
  },
};
