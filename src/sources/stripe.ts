/** Stripe: `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">[,v1=…]`, 5-minute tolerance. */
import { compact, eventTypeSuffix, field, type SourceProvider } from "./provider";
import { checkTimestamp, header, matchHmac, mismatch, missing, parseUnixSeconds, refuse, signedBytes } from "./signature";

const SIGNATURE_HEADER = "Stripe-Signature";

/** `t` and every `v1` of a Stripe-Signature header; other schemes (v0, test-mode extras) are ignored. */
export function parseStripeSignature(value: string): { timestamp: string | null; signatures: string[] } {
  let timestamp: string | null = null;
  const signatures: string[] = [];
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (key === "t") timestamp = val;
    else if (key === "v1" && val) signatures.push(val);
  }
  return { timestamp, signatures };
}

/** Stripe webhook endpoints (snapshot events; a rolled secret sends one v1 per active secret). */
export const stripe: SourceProvider = {
  name: "stripe",
  title: "Stripe",

  async verify(request, settings) {
    const value = header(request.headers, SIGNATURE_HEADER);
    if (!value) return missing(SIGNATURE_HEADER);
    const { timestamp, signatures } = parseStripeSignature(value);
    if (timestamp === null) return refuse("missing_timestamp", `${SIGNATURE_HEADER} has no t= timestamp`);
    const seconds = parseUnixSeconds(timestamp);
    if (seconds === null) return refuse("malformed_timestamp", `${SIGNATURE_HEADER} t= is not a unix timestamp`);
    if (signatures.length === 0) return refuse("malformed_signature", `${SIGNATURE_HEADER} has no v1= signature`);
    // Stripe keys the HMAC with the whole secret text, whsec_ prefix included.
    const ok = await matchHmac({ keys: settings.secrets, message: signedBytes(`${timestamp}.`, request.body), candidates: signatures, encoding: "hex" });
    if (!ok) return mismatch(SIGNATURE_HEADER);
    return checkTimestamp(seconds, request.now, settings.toleranceSeconds);
  },

  /** `stripe.<event type>` (e.g. `stripe.invoice.paid`); deduplicated by the event id (`evt_…`), which retries keep. */
  interpret(_headers, payload) {
    const data = payload.data;
    return {
      kind: "event",
      type: eventTypeSuffix(field(data, "type")),
      deliveryId: field(data, "id"),
      metadata: compact({
        eventId: field(data, "id"),
        livemode: typeof data.livemode === "boolean" ? data.livemode : undefined,
        apiVersion: field(data, "api_version"),
        account: field(data, "account"),
        created: typeof data.created === "number" ? data.created : undefined,
      }),
    };
  },
};
