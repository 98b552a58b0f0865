/** Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>`; events named by `X-Shopify-Topic`. */
import { compact, eventTypeSuffix, type SourceProvider } from "./provider";
import { header, matchHmac, mismatch, missing, refuse, VERIFIED } from "./signature";

const SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256";
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;

/** Shopify app and shop webhooks (HTTPS delivery). */
export const shopify: SourceProvider = {
  name: "shopify",
  title: "Shopify",

  async verify(request, settings) {
    const value = header(request.headers, SIGNATURE_HEADER);
    if (!value) return missing(SIGNATURE_HEADER);
    if (!SIGNATURE.test(value)) return refuse("malformed_signature", `${SIGNATURE_HEADER} must be the base64 of a 32-byte HMAC`);
    const ok = await matchHmac({ keys: settings.secrets, message: request.body, candidates: [value], encoding: "base64" });
    return ok ? VERIFIED : mismatch(SIGNATURE_HEADER);
  },

  /** `shopify.<topic>` with `/` → `.` (`shopify.orders.create`); deduplicated by `X-Shopify-Webhook-Id`, which retries keep. */
  interpret(headers) {
    const webhookId = header(headers, "X-Shopify-Webhook-Id");
    return {
      kind: "event",
      type: eventTypeSuffix(header(headers, "X-Shopify-Topic") ?? undefined),
      deliveryId: webhookId ?? header(headers, "X-Shopify-Event-Id") ?? undefined,
      metadata: compact({
        webhookId,
        eventId: header(headers, "X-Shopify-Event-Id"),
        topic: header(headers, "X-Shopify-Topic"),
        shopDomain: header(headers, "X-Shopify-Shop-Domain"),
        apiVersion: header(headers, "X-Shopify-API-Version"),
        triggeredAt: header(headers, "X-Shopify-Triggered-At"),
        subTopic: header(headers, "X-Shopify-Sub-Topic"),
      }),
    };
  },
};
