/** Request and response schemas of the subscription API (zod, also the OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { utf8Bytes } from "../lib/d1-limits";
import { DAY_MS } from "../lib/time";
import { HEADER_NAME, isReservedHeader, isValidHeaderValue, RESERVED_HEADER_REASON } from "../lib/header-rules";
import { HEADER_MASK } from "./core/sealed-headers";
import { DELIVERY_STATUSES } from "./store/deliveries";
import { EVENT_PATTERN, EVENT_TYPE, FILTER_OPERATORS } from "./core/match";
import { MAX_DELAY_MS } from "./core/retry-policy";
import { BATCH_LIMITS } from "./core/modes";
import { isUsableSecret } from "./destinations/signer";
import { refineTemplate } from "./template";
import { AUTH_TYPES, SIGNING_SCHEMES } from "./store/subscriptions";

/** A header name any source may set: a token that is not one the gateway sets itself (any case). */
const SETTABLE_HEADER = z.string().regex(HEADER_NAME, "invalid header name").refine((name) => !isReservedHeader(name), RESERVED_HEADER_REASON);
const MAX_TEMPLATE_BYTES = 16_384;
/** Text that may become a header value (visible ASCII, spaces and tabs). */
const HEADER_VALUE_TEXT = z.string().max(4000).refine(isValidHeaderValue, "header values may hold only visible ASCII, spaces and tabs");

const CONDITION = z
  .object({
    field: z.string().min(1).max(200),
    operator: z.enum(FILTER_OPERATORS),
    value: z.unknown().optional(),
  })
  .refine((c) => !["in", "not_in"].includes(c.operator) || Array.isArray(c.value), { message: "in / not_in need an array value", path: ["value"] })
  .refine((c) => c.operator === "exists" || c.value !== undefined, { message: "this operator needs a value", path: ["value"] });
const INNER_GROUP = z
  .strictObject({ all: z.array(CONDITION).max(50).optional(), any: z.array(CONDITION).max(50).optional() })
  .refine((g) => g.all !== undefined || g.any !== undefined, { message: "a group needs all or any" });
const NODE = z.union([CONDITION, INNER_GROUP]);

/** `{all?: [...], any?: [...]}`; conditions may be grouped one level deep. */
export const FILTERS = z
  .object({ all: z.array(NODE).max(50).optional(), any: z.array(NODE).max(50).optional() })
  .refine((f) => f.all !== undefined || f.any !== undefined, { message: "filters need all or any" })
  .openapi("Filters");

export const RETRY_POLICY = z
  .object({
    strategy: z.enum(["exponential", "linear", "fixed"]).default("exponential"),
    maxRetries: z.number().int().min(0).max(10).default(4),
    initialDelayMs: z.number().int().min(0).max(MAX_DELAY_MS).default(1000),
    maxDelayMs: z.number().int().min(0).max(MAX_DELAY_MS).default(3_600_000),
  })
  .openapi("RetryPolicy");

/** Outbound auth of a destination (subscriptions, rule http steps). */
export const AUTH = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("none") }),
    z.object({ type: z.literal("basic"), username: z.string().min(1).max(200).regex(/^[^:]*$/, "a Basic username cannot contain ':'"), password: z.string().max(500) }),
    z.object({ type: z.literal("bearer"), token: HEADER_VALUE_TEXT.min(1) }),
    z.object({ type: z.literal("api-key"), key: HEADER_VALUE_TEXT.min(1), header: SETTABLE_HEADER.default("X-API-Key") }),
    z.object({
      type: z.literal("hmac"),
      secret: z.string().min(8).max(500),
      header: SETTABLE_HEADER.default("X-Signature"),
      algorithm: z.enum(["sha256", "sha512"]).default("sha256"),
      encoding: z.enum(["hex", "base64"]).default("hex"),
    }),
  ])
  .openapi("OutboundAuth");

const HEADERS = z
  .record(SETTABLE_HEADER, HEADER_VALUE_TEXT)
  .refine((h) => Object.keys(h).length <= 30, { message: "at most 30 headers" })
  .refine((h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length, { message: "a header name appears twice (names are case-insensitive)" })
  .openapi({ description: `Sent on every attempt. Values are write-only: stored sealed and shown as "${HEADER_MASK}"; sending "${HEADER_MASK}" back keeps the stored value` });

const TEMPLATE = z
  .unknown()
  .refine((t) => t === undefined || JSON.stringify(t).length <= MAX_TEMPLATE_BYTES, { message: `template must be at most ${MAX_TEMPLATE_BYTES} bytes of JSON` })
  .superRefine(refineTemplate)
  .openapi({ description: 'A JSON value whose strings hold {{ expression }} placeholders, or a preset name: "slack", "discord", "teams"' });

/** `integration: {id, params}` instead of url/template: a ready destination from GET /integrations. */
const INTEGRATION_REF = z
  .object({ id: z.string().min(1).max(64), params: z.record(z.string(), z.unknown()).default({}) })
  .openapi("IntegrationRef", { description: "A catalogue integration and its params; it sets url, method, headers, auth and template" });

/** A destination URL (checked by the http destination's guard when saved and when sent). */
export const URL_FIELD = z.string().min(1).max(2048);

/** Where a subscription delivers: `http` (the wave-1 fields) or a bound Cloudflare `queue`. */
export const DESTINATION = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("http"), url: URL_FIELD, method: z.enum(["POST", "PUT", "PATCH"]).optional(), headers: HEADERS.optional(), auth: AUTH.optional() }),
    z.object({ type: z.literal("queue"), queue: z.string().min(1).max(63).openapi({ description: "A queue name from GET /destinations" }) }),
  ])
  .openapi("Destination");

/** `batch`: one request per batch of events (docs/DELIVERY-MODES.md). */
export const BATCH = z
  .strictObject({
    maxEvents: z.number().int().min(BATCH_LIMITS.minEvents).max(BATCH_LIMITS.maxEvents),
    maxWaitMs: z.number().int().min(BATCH_LIMITS.minWaitMs).max(BATCH_LIMITS.maxWaitMs),
  })
  .openapi("Batch", { description: "A batch leaves when it holds maxEvents or its oldest event has waited maxWaitMs; body {type: batch, id: bat_…, events}" });

/** `ordering`: per key value one delivery in flight, in publish order (docs/DELIVERY-MODES.md). */
export const ORDERING = z
  .strictObject({
    mode: z.literal("fifo"),
    key: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, "a dotted path into the event, e.g. data.customerId")
      .optional(),
  })
  .openapi("Ordering", { description: "Per key value (the whole subscription without key) one delivery in flight, in publish order" });
/** How deliveries are signed; switching keeps both schemes signing for the rotation grace period. */
const SIGNING = z
  .object({ scheme: z.enum(SIGNING_SCHEMES).openapi({ description: "hmac: v1 (and X-Webhook-Signature); ed25519: v1a, public key at GET /subscriptions/:id/public-key" }) })
  .openapi("Signing");

/** Fields that configure a subscription (create, replace, update). */
const CONFIG_FIELDS = {
  destination: DESTINATION,
  url: URL_FIELD,
  events: z.array(z.string().regex(EVENT_PATTERN, "use an event type, prefix.* or *")).min(1).max(100),
  name: z.string().trim().min(1).max(200).nullable(),
  description: z.string().max(2000).nullable(),
  headers: HEADERS,
  method: z.enum(["POST", "PUT", "PATCH"]),
  auth: AUTH,
  filters: FILTERS.nullable(),
  template: TEMPLATE,
  retryPolicy: RETRY_POLICY,
  timeoutMs: z.number().int().min(100).max(60_000),
  rateLimit: z.number().positive().max(10_000).nullable().openapi({ description: "Deliveries per second to this endpoint (null = unlimited)" }),
  active: z.boolean(),
  batch: BATCH.nullable(),
  ordering: ORDERING.nullable(),
  requireVerification: z.boolean().openapi({ description: "Deliver nothing until POST /subscriptions/:id/verify succeeds (deliveries wait)" }),
  signing: SIGNING,
};

/** POST /subscribe, POST /subscriptions, and PUT (which replaces every field; omitted ones get defaults). */
export const CREATE_SUBSCRIPTION = z
  .object({
    ...CONFIG_FIELDS,
    destination: DESTINATION.optional(),
    url: URL_FIELD.optional().openapi({ description: "The http shorthand: give url (method, headers, auth), destination, or integration" }),
    integration: INTEGRATION_REF.optional(),
    name: CONFIG_FIELDS.name.optional(),
    description: CONFIG_FIELDS.description.optional(),
    secret: z.string().min(16).max(256).refine(isUsableSecret, "whsec_ secrets must be base64 of at least 16 bytes").optional(),
    headers: HEADERS.optional(),
    method: CONFIG_FIELDS.method.optional(),
    auth: AUTH.optional(),
    filters: CONFIG_FIELDS.filters.optional(),
    template: TEMPLATE.optional(),
    retryPolicy: RETRY_POLICY.optional(),
    timeoutMs: CONFIG_FIELDS.timeoutMs.default(30_000),
    rateLimit: CONFIG_FIELDS.rateLimit.optional(),
    active: z.boolean().default(true),
    batch: CONFIG_FIELDS.batch.optional(),
    ordering: CONFIG_FIELDS.ordering.optional(),
    requireVerification: CONFIG_FIELDS.requireVerification.optional(),
    signing: SIGNING.optional(),
  })
  .openapi("CreateSubscription", {
    example: { url: "http://127.0.0.1:4000/hooks", events: ["task.*"], retryPolicy: { strategy: "exponential", maxRetries: 4, initialDelayMs: 1000, maxDelayMs: 60000 } },
  });

/** PATCH: any subset of the configuration (the secret changes only through rotate-secret). */
export const UPDATE_SUBSCRIPTION = z
  .object({ ...CONFIG_FIELDS, retryPolicy: RETRY_POLICY.partial() })
  .partial()
  .openapi("UpdateSubscription");

export const ROTATE_SECRET = z
  .object({
    secret: z.string().min(16).max(256).refine(isUsableSecret, "whsec_ secrets must be base64 of at least 16 bytes").optional(),
    gracePeriodSeconds: z.number().int().min(0).max(7 * 86_400).optional(),
  })
  .openapi("RotateSecret");

/** A health probe's result (GET /subscriptions/:id/health, and the last one on the subscription). */
export const HEALTH_CHECK = z
  .object({
    status: z.enum(["healthy", "unhealthy", "unreachable"]),
    responseCode: z.number().optional(),
    responseTimeMs: z.number().optional(),
    error: z.string().optional().openapi({ description: "Why the endpoint was unreachable (timeout, connection refused)" }),
    checkedAt: z.string(),
  })
  .openapi("HealthCheck");

export const SUBSCRIPTION = z
  .object({
    id: z.string(),
    tenantId: z.string().openapi({ description: "The tenant the subscription belongs to" }),
    name: z.string().nullable(),
    description: z.string().nullable(),
    destination: z.object({ type: z.string() }).catchall(z.unknown()),
    url: z.string().optional(),
    events: z.array(z.string()),
    method: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    auth: z.object({ type: z.enum(AUTH_TYPES), username: z.string().optional(), header: z.string().optional(), algorithm: z.string().optional(), encoding: z.string().optional() }).optional(),
    params: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: `An integration's secret params by name, each "${HEADER_MASK}": stored sealed, filled into url and body only when sent; PUT with integration gives them again` }),
    filters: z.unknown().nullable(),
    template: z.unknown(),
    retryPolicy: z.object({ strategy: z.string(), maxRetries: z.number(), initialDelayMs: z.number(), maxDelayMs: z.number() }),
    timeoutMs: z.number(),
    rateLimit: z.number().nullable(),
    active: z.boolean(),
    status: z.enum(["active", "paused", "disabled"]),
    disabledReason: z.string().nullable(),
    consecutiveFailures: z.number(),
    previousSecretExpiresAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    batch: BATCH.nullable(),
    ordering: ORDERING.nullable(),
    requireVerification: z.boolean(),
    verified: z.boolean(),
    verifiedAt: z.string().nullable(),
    lastHealthCheck: HEALTH_CHECK.nullable(),
    signing: z.object({ scheme: z.enum(SIGNING_SCHEMES), publicKey: z.string().optional() }),
  })
  .openapi("Subscription");

export const DELIVERY = z
  .object({
    id: z.string(),
    tenantId: z.string().openapi({ description: "The tenant the delivery belongs to" }),
    eventId: z.string(),
    eventType: z.string(),
    subscriptionId: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number(),
    held: z.boolean(),
    nextAttemptAt: z.string().nullable(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable(),
    deadLetteredAt: z.string().nullable(),
    batchId: z.string().nullable().openapi({ description: "The batch (bat_…) this delivery is sent in (batch mode)" }),
    orderingKey: z.string().nullable().openapi({ description: "The FIFO key value (ordering mode; '' for the whole subscription)" }),
  })
  .openapi("Delivery");

export const ATTEMPT = z
  .object({
    attempt: z.number(),
    statusCode: z.number().nullable(),
    durationMs: z.number(),
    responseBody: z.string().nullable(),
    error: z.string().nullable(),
    verdict: z.string(),
    createdAt: z.string(),
    batchId: z.string().nullable().openapi({ description: "The batch this attempt carried the delivery in" }),
  })
  .openapi("Attempt");

export const ID_PARAM = z.object({ id: z.string().min(1).max(64) });
export const DELIVERY_PARAM = z.object({ id: z.string().min(1).max(64), deliveryId: z.string().min(1).max(64) });
export const LIST_SUBSCRIPTIONS_QUERY = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(64).optional(),
  status: z.enum(["active", "inactive"]).optional(),
  event: z.string().regex(EVENT_PATTERN).max(200).optional(),
});
export const LIST_DELIVERIES_QUERY = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(64).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
});

/** The largest `metadata` of POST /events (it stays in the event row; large content belongs in `data`). */
export const MAX_METADATA_BYTES = 65_536;

/** POST /events. */
export const PUBLISH_EVENT = z
  .object({
    type: z.string().min(1).max(200).regex(EVENT_TYPE, "event types are dotted names like order.created"),
    data: z.record(z.string(), z.unknown()),
    metadata: z
      .record(z.string(), z.unknown())
      .optional()
      .refine((m) => m === undefined || utf8Bytes(JSON.stringify(m)) <= MAX_METADATA_BYTES, `metadata is at most ${MAX_METADATA_BYTES} bytes of JSON; put large content in data`),
    deliverAt: z.iso
      .datetime({ offset: true })
      .optional()
      .refine((at) => at === undefined || Date.parse(at) <= Date.now() + DAY_MS, "deliverAt is at most 24 h ahead")
      .openapi({ description: "Deliveries are not attempted before this time (at most 24 h ahead); the live stream has the event at once" }),
  })
  .openapi("PublishEvent");

export const RETRY_FAILED = z
  .object({ subscriptionId: z.string().min(1).max(64).optional(), limit: z.number().int().min(1).max(10_000).default(1000) })
  .openapi("RetryFailed");
