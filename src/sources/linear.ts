/** Linear: `Linear-Signature: <hex HMAC-SHA256 of the body>`, and the body's `webhookTimestamp` (ms) inside the tolerance. */
import { compact, eventTypeSuffix, field, type SourceProvider } from "./provider";
import { checkTimestamp, header, matchHmac, mismatch, missing, refuse, VERIFIED } from "./signature";

const SIGNATURE_HEADER = "Linear-Signature";
const SIGNATURE = /^[0-9a-fA-F]{64}$/;
const DECODER = new TextDecoder();

/** The body's `webhookTimestamp` (epoch ms) when the body is JSON and carries one. */
function webhookTimestamp(body: Uint8Array): number | null {
  try {
    const value: unknown = JSON.parse(DECODER.decode(body));
    const ts = value && typeof value === "object" ? (value as Record<string, unknown>).webhookTimestamp : undefined;
    return typeof ts === "number" && Number.isFinite(ts) ? ts : null;
  } catch {
    return null;
  }
}

/** Linear workspace and OAuth-app webhooks. */
export const linear: SourceProvider = {
  name: "linear",
  title: "Linear",

  async verify(request, settings) {
    const value = header(request.headers, SIGNATURE_HEADER);
    if (!value) return missing(SIGNATURE_HEADER);
    if (!SIGNATURE.test(value)) return refuse("malformed_signature", `${SIGNATURE_HEADER} must be 64 hex digits`);
    const ok = await matchHmac({ keys: settings.secrets, message: request.body, candidates: [value], encoding: "hex" });
    if (!ok) return mismatch(SIGNATURE_HEADER);
    // The timestamp is inside the signed body, so it cannot be altered without breaking the signature.
    const timestamp = webhookTimestamp(request.body);
    return timestamp === null ? VERIFIED : checkTimestamp(timestamp / 1000, request.now, settings.toleranceSeconds);
  },

  /** `linear.<type>.<action>` lower-cased (`linear.issue.create`); deduplicated by `Linear-Delivery`. */
  interpret(headers, payload) {
    const data = payload.data;
    const type = field(data, "type") ?? header(headers, "Linear-Event") ?? undefined;
    const action = field(data, "action");
    const name = type && action ? `${type}.${action}` : type;
    return {
      kind: "event",
      type: eventTypeSuffix(name?.toLowerCase()),
      deliveryId: header(headers, "Linear-Delivery") ?? undefined,
      metadata: compact({
        deliveryId: header(headers, "Linear-Delivery"),
        event: header(headers, "Linear-Event"),
        action,
        webhookId: field(data, "webhookId"),
        organizationId: field(data, "organizationId"),
        url: field(data, "url"),
      }),
    };
  },
};
