/** POST /sources/:provider and /sources/:provider/:id: verify the signature over the raw body, dedupe, publish. No token: the signature authenticates. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { matchesAnyPattern } from "../delivery/core/match";
import { DEFAULT_TENANT } from "../tenants/model";
import { TenantDb } from "../tenants/tenant-db";
import type { SourceProvider } from "./provider";
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
import { resolveSource, resolveTenantSource } from "./settings";
import { SOURCE_ID } from "./tenant-repository";
import { PROVIDERS, type ProviderName, type SourceSettings } from "./signature";
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
    sourceId: z.string().optional().openapi({ description: "The tenant source (POST /sources/{provider}/{id} only)" }),
    ignored: z.boolean().optional().openapi({ description: "true: the event type is not in the source's events allowlist; acknowledged, not published" }),
  })
  .openapi("SourceReceipt");

/** Inbound provider route, mounted under the base path. */
export const receiveRoutes = new OpenAPIHono<AppEnv>();

/** Unknown provider → 404; known but without a secret, or disabled → 503 (providers retry a 503). */
function unavailable(provider: ProviderName, reason: "unconfigured" | "disabled", sourceId?: string): AppError {
  if (sourceId) return new AppError("SERVICE_UNAVAILABLE", `Source "${sourceId}" is disabled; enable it with PATCH /webhooks/v2/sources/${provider}/${sourceId}`, { details: { provider, sourceId, reason } });
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

const RESPONSES = {
  200: envelopeOf(RECEIVED, "Accepted (or a duplicate, or a type outside the allowlist: acknowledged)"),
  400: errorResponseDoc("INVALID_JSON: a JSON content type with a body that does not parse"),
  401: errorResponseDoc("SIGNATURE_INVALID: missing, malformed or wrong signature, or a timestamp outside the tolerance"),
  404: errorResponseDoc("NOT_FOUND: unknown provider (or source)"),
  413: errorResponseDoc("PAYLOAD_TOO_LARGE"),
  429: errorResponseDoc("RATE_LIMITED: too many requests from this IP or to this source per minute, or too many failed signatures from this IP"),
  503: errorResponseDoc("SERVICE_UNAVAILABLE: the provider has no secret configured, or is disabled"),
};
const RAW_BODY = { required: false, content: { "application/json": { schema: { type: "object" } }, "application/x-www-form-urlencoded": { schema: { type: "object" } } } } as const;

const route = createRoute({
  method: "post",
  path: "/sources/{provider}",
  tags: ["Sources"],
  summary: "Receive a provider webhook (signature-verified, deduplicated, published as <provider>.<type>)",
  description:
    "No token: the provider's own signature over the exact raw body authenticates the request. Providers: " +
    `${PROVIDERS.join(", ")}. A duplicate delivery id, or a body already received within the dedup window, is acknowledged with duplicate: true and not published again. ` +
    "Slack url_verification is answered with its challenge; Slack form posts get an empty 200.",
  request: { params: z.object({ provider: z.enum(PROVIDERS) }), body: RAW_BODY },
  responses: RESPONSES,
});

const tenantRoute = createRoute({
  method: "post",
  path: "/sources/{provider}/{id}",
  tags: ["Sources"],
  summary: "Receive a webhook for a tenant's source (verified with that source's secrets, published into its tenant)",
  description:
    "No token: the source id in the url and the provider's signature under that source's own secrets authenticate the request. " +
    "Events are `<provider>.<type>` (a generic source with a name: `<name>.<type>`), published into the source's tenant and deduplicated per source. " +
    "A type outside the source's `events` allowlist is acknowledged with 200 and `ignored: true`, and not published.",
  request: { params: z.object({ provider: z.enum(PROVIDERS), id: z.string() }), body: RAW_BODY },
  responses: RESPONSES,
});

/** Where a verified delivery goes and how it is checked. */
interface ReceiveTarget {
  provider: SourceProvider;
  tenantId: string;
  settings: SourceSettings;
  /** The dedup scope: the provider for the per-provider url, `<provider>:<id>` for a tenant's source. */
  dedupScope: string;
  /** The event-type prefix: the provider, or a generic source's name. */
  typePrefix: string;
  sourceId: string | null;
  /** Accepted event-type patterns; null accepts every type. */
  events: string[] | null;
}

function unknownProvider(name: string | undefined): AppError {
  return new AppError("NOT_FOUND", `Unknown source provider "${name}"; supported: ${PROVIDERS.join(", ")}`, { details: { provider: name, supported: [...PROVIDERS] } });
}

/** Verifies, interprets, dedupes and publishes one delivery to `target` (shared by both receiver urls). */
async function receive(c: Context<AppEnv>, target: ReceiveTarget, now: number): Promise<Response> {
  const { provider, settings } = target;
  const config = c.get("config");
  const body = new Uint8Array(await c.req.arrayBuffer());
  const headers = c.req.raw.headers;
  const verification = await provider.verify({ headers, body, now }, settings);
  if (!verification.ok) {
    // A bad signature is a failed authentication: counted per IP like a bad token.
    throw await authFailureGuard.failed(c, new AppError("SIGNATURE_INVALID", `${provider.title} signature rejected: ${verification.message}`, { details: { provider: provider.name, reason: verification.reason } }));
  }
  const parsed = parsePayload(body, headers.get("Content-Type"));
  if (!parsed.ok) throw new AppError("INVALID_JSON", "Request body is not valid JSON", { details: { provider: provider.name, reason: parsed.message } });

  const which = target.sourceId ? { sourceId: target.sourceId } : {};
  const meaning = provider.interpret(headers, parsed.payload, settings);
  if (meaning.kind === "handshake") {
    const data = { received: true as const, duplicate: false, provider: provider.name, ...which, deliveryId: null, eventId: null, handshake: meaning.name, ...meaning.fields };
    // The provider reads its fields (Slack: `challenge`) at the top level of the reply.
    return c.json({ success: true as const, data, meta: meta(c), ...meaning.fields }, 200);
  }

  const keys = await dedupKeys(meaning.deliveryId, body, provider.signsDeliveryId === true);
  const deliveryId = keys.deliveryKey;
  const type = providerEventType(target.typePrefix, meaning.type);
  if (target.events && !matchesAnyPattern(target.events, type)) {
    // Outside the allowlist: acknowledged (so the sender does not retry), nothing stored.
    if (meaning.reply === "empty") return new Response(null, { status: 200 });
    return ok(c, { received: true as const, duplicate: false, ignored: true, provider: provider.name, ...which, deliveryId, eventId: null, type }, 200);
  }
  const eventId = nextEventId();
  const metadata = { source: provider.name, ...which, deliveryId, requestId: c.get("requestId"), ...meaning.metadata };
  const db = TenantDb.of(c.env.DB, target.tenantId);
  const { events, reads } = await publishBatch(c.env, c.executionCtx, [{ id: eventId, tenantId: target.tenantId, type, data: meaning.data ?? parsed.payload.data, metadata }], {
    reads: [firstDeliveryStatement(db, target.dedupScope, keys)],
    statements: rememberDeliveryStatements(db, target.dedupScope, keys, eventId, now, now + config.sources.dedupRetentionMs),
    requireChange: true,
    now,
  });
  if (meaning.reply === "empty") return new Response(null, { status: 200 });
  const duplicate = events.length === 0;
  const firstEventId = duplicate ? ((reads[0]?.results[0] as { event_id?: string } | undefined)?.event_id ?? null) : eventId;
  return ok(c, { received: true as const, duplicate, provider: provider.name, ...which, deliveryId, eventId: firstEventId, type }, 200);
}


// Documented in the OpenAPI registry, but served by plain handlers: the body must stay unread raw
// bytes (no validator may parse it), and Slack form posts are acknowledged with an empty body.
receiveRoutes.openAPIRegistry.registerPath(route);
receiveRoutes.openAPIRegistry.registerPath(tenantRoute);
// Per client IP and per source (both in one round trip, with slow-down) before anything is read.
const receiveLimits = keyedLimits((c) => [...ipLevel(c), ...(providerByName(c.req.param("provider") ?? "") ? sourceLevel(c, c.req.param("provider")!) : [])]);
receiveRoutes.post("/sources/:provider", receiveLimits, async (c) => {
  const provider = providerByName(c.req.param("provider"));
  if (!provider) throw unknownProvider(c.req.param("provider"));
  const now = Date.now();
  const source = await resolveSource(c.env, c.get("config"), provider.name, now);
  if (source.origin === null) throw unavailable(provider.name, "unconfigured");
  if (!source.enabled) throw unavailable(provider.name, "disabled");
  // The per-provider url is the default tenant's (wave 1).
  return receive(c, { provider, tenantId: DEFAULT_TENANT, settings: source.settings, dedupScope: provider.name, typePrefix: provider.name, sourceId: null, events: null }, now);
});

// A tenant's source has its own per-minute level (`source:<provider>:<id>`, the provider's limit).
const tenantReceiveLimits = keyedLimits((c) => [...ipLevel(c), ...(providerByName(c.req.param("provider") ?? "") ? sourceLevel(c, c.req.param("provider")!, c.req.param("id")) : [])]);
receiveRoutes.post("/sources/:provider/:id", tenantReceiveLimits, async (c) => {
  const provider = providerByName(c.req.param("provider"));
  if (!provider) throw unknownProvider(c.req.param("provider"));
  const id = c.req.param("id");
  const now = Date.now();
  const source = SOURCE_ID.test(id) ? await resolveTenantSource(c.env, c.get("config"), provider.name, id, now) : null;
  if (!source) throw new AppError("NOT_FOUND", `No ${provider.title} source "${id}"`, { details: { provider: provider.name, sourceId: id } });
  if (!source.enabled) throw unavailable(provider.name, "disabled", id);
  const typePrefix = provider.name === "generic" && source.name ? source.name : provider.name;
  return receive(c, { provider, tenantId: source.tenantId, settings: source.settings, dedupScope: `${provider.name}:${id}`, typePrefix, sourceId: id, events: source.events }, now);
});
