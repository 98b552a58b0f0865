/** POST /sources/:provider: verify the provider's signature over the raw body, dedupe, publish `<provider>.<type>`. No token: the signature authenticates. */
import { DEFAULT_TENANT } from "../tenants/model";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { SOURCE_SECRET_VARS } from "../config";
import type { AppEnv } from "../http/context";
import { meta, ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { envelopeOf, errorResponseDoc } from "../http/openapi";
import { sha256Hex } from "../lib/crypto";
import { nextEventId } from "../lib/ids";
import { authFailureGuard, ipLevel, keyedLimits, sourceLevel } from "../limits/abuse";
import { publishBatch } from "../publish";
import { parsePayload } from "./payload";
import { providerByName } from "./registry";
import { firstDeliveryStatement, rememberDeliveryStatements, type DedupKeys } from "./repository";
import { resolveSource } from "./settings";
import { PROVIDERS, type ProviderName } from "./signature";
import { providerEventType } from "../events/types";

/** Delivery ids longer than this are stored as their hash. */
const MAX_DELIVERY_ID_LENGTH = 200;

const RECEIVED = z
  .object({
    received: z.literal(true),
    duplicate: z.boolean(),
    provider: z.string(),
    deliveryId: z.string().nullable(),
    eventId: z.string().nullable(),
    type: z.string().optional(),
    handshake: z.string().optional(),
  })
  .openapi("SourceReceipt");

/** Inbound provider route, mounted under the base path. */
export const receiveRoutes = new OpenAPIHono<AppEnv>();

/** Unknown provider → 404; known but without a secret, or disabled → 503 (providers retry a 503). */
function unavailable(provider: ProviderName, reason: "unconfigured" | "disabled"): AppError {
  if (reason === "disabled") return new AppError("SERVICE_UNAVAILABLE", `Source "${provider}" is disabled; enable it with PUT /webhooks/v2/sources/${provider}`, { details: { provider, reason } });
  return new AppError("SERVICE_UNAVAILABLE", `Source "${provider}" is not configured: set the ${SOURCE_SECRET_VARS[provider]} Worker secret or PUT /webhooks/v2/sources/${provider}`, {
    details: { provider, reason },
  });
}

/**
 * The dedup keys: the provider's delivery id (the body's SHA-256 when it sends none) and the body's
 * SHA-256 — unless the signature covers the id, when the id alone identifies the message.
 */
async function dedupKeys(deliveryId: string | undefined, body: Uint8Array, signsDeliveryId: boolean): Promise<DedupKeys> {
  if (deliveryId === undefined) {
    const bodyKey = `sha256:${await sha256Hex(body)}`;
    return { deliveryKey: bodyKey, bodyKey };
  }
  const deliveryKey = deliveryId.length > MAX_DELIVERY_ID_LENGTH ? `sha256:${await sha256Hex(deliveryId)}` : deliveryId;
  return { deliveryKey, bodyKey: signsDeliveryId ? deliveryKey : `sha256:${await sha256Hex(body)}` };
}

const route = createRoute({
  method: "post",
  path: "/sources/{provider}",
  tags: ["Sources"],
  summary: "Receive a provider webhook (signature-verified, deduplicated, published as <provider>.<type>)",
  description:
    "No token: the provider's own signature over the exact raw body authenticates the request. Providers: " +
    `${PROVIDERS.join(", ")}. A duplicate delivery id, or a body already received within the dedup window, is acknowledged with duplicate: true and not published again. ` +
    "Slack url_verification is answered with its challenge; Slack form posts get an empty 200.",
  request: {
    params: z.object({ provider: z.enum(PROVIDERS) }),
    body: { required: false, content: { "application/json": { schema: { type: "object" } }, "application/x-www-form-urlencoded": { schema: { type: "object" } } } },
  },
  responses: {
    200: envelopeOf(RECEIVED, "Accepted (or a duplicate, acknowledged)"),
    400: errorResponseDoc("INVALID_JSON: a JSON content type with a body that does not parse"),
    401: errorResponseDoc("SIGNATURE_INVALID: missing, malformed or wrong signature, or a timestamp outside the tolerance"),
    404: errorResponseDoc("NOT_FOUND: unknown provider"),
    413: errorResponseDoc("PAYLOAD_TOO_LARGE"),
    429: errorResponseDoc("RATE_LIMITED: too many requests from this IP or to this source per minute, or too many failed signatures from this IP"),
    503: errorResponseDoc("SERVICE_UNAVAILABLE: the provider has no secret configured, or is disabled"),
  },
});

// Documented in the OpenAPI registry, but served by a plain handler: the body must stay unread raw
// bytes (no validator may parse it), and Slack form posts are acknowledged with an empty body.
receiveRoutes.openAPIRegistry.registerPath(route);
// Per client IP and per source (both in one round trip, with slow-down) before anything is read.
const receiveLimits = keyedLimits((c) => [...ipLevel(c), ...(providerByName(c.req.param("provider") ?? "") ? sourceLevel(c, c.req.param("provider")!) : [])]);
receiveRoutes.post("/sources/:provider", receiveLimits, async (c) => {
  const name = c.req.param("provider");
  const provider = providerByName(name);
  if (!provider) throw new AppError("NOT_FOUND", `Unknown source provider "${name}"; supported: ${PROVIDERS.join(", ")}`, { details: { provider: name, supported: [...PROVIDERS] } });
  const config = c.get("config");
  const now = Date.now();
  const source = await resolveSource(c.env, config, provider.name, now);
  if (source.origin === null) throw unavailable(provider.name, "unconfigured");
  if (!source.enabled) throw unavailable(provider.name, "disabled");

  const body = new Uint8Array(await c.req.arrayBuffer());
  const headers = c.req.raw.headers;
  const verification = await provider.verify({ headers, body, now }, source.settings);
  if (!verification.ok) {
    // A bad signature is a failed authentication: counted per IP like a bad token.
    throw await authFailureGuard.failed(c, new AppError("SIGNATURE_INVALID", `${provider.title} signature rejected: ${verification.message}`, { details: { provider: provider.name, reason: verification.reason } }));
  }
  const parsed = parsePayload(body, headers.get("Content-Type"));
  if (!parsed.ok) throw new AppError("INVALID_JSON", "Request body is not valid JSON", { details: { provider: provider.name, reason: parsed.message } });

  const meaning = provider.interpret(headers, parsed.payload, source.settings);
  if (meaning.kind === "handshake") {
    const data = { received: true as const, duplicate: false, provider: provider.name, deliveryId: null, eventId: null, handshake: meaning.name, ...meaning.fields };
    // The provider reads its fields (Slack: `challenge`) at the top level of the reply.
    return c.json({ success: true as const, data, meta: meta(c), ...meaning.fields }, 200);
  }

  const keys = await dedupKeys(meaning.deliveryId, body, provider.signsDeliveryId === true);
  const deliveryId = keys.deliveryKey;
  const type = providerEventType(provider.name, meaning.type);
  const eventId = nextEventId();
  const metadata = { source: provider.name, deliveryId, requestId: c.get("requestId"), ...meaning.metadata };
  const { events, reads } = await publishBatch(c.env, c.executionCtx, [{ id: eventId, tenantId: DEFAULT_TENANT, type, data: meaning.data ?? parsed.payload.data, metadata }], {
    reads: [firstDeliveryStatement(c.env.DB, provider.name, keys)],
    statements: rememberDeliveryStatements(c.env.DB, provider.name, keys, eventId, now, now + config.sources.dedupRetentionMs),
    requireChange: true,
    now,
  });
  if (meaning.reply === "empty") return new Response(null, { status: 200 });
  const duplicate = events.length === 0;
  const firstEventId = duplicate ? ((reads[0]?.results[0] as { event_id?: string } | undefined)?.event_id ?? null) : eventId;
  return ok(c, { received: true as const, duplicate, provider: provider.name, deliveryId, eventId: firstEventId, type }, 200);
});
