/** Delivery history and operations routes: deliveries, retry, stats, event catalogue, custom events, queue figures. */
import { owningTenant, tenantDb } from "../../tenants/context";
import type { TenantDb } from "../../tenants/tenant-db";
import { audit } from "../../ops/audit";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { EVENT_CATALOGUE } from "../../events/catalogue";
import { reservedEventRefusal } from "../../events/reserved";
import { toWireEvent } from "../../events/store";
import { protect } from "../../guard";
import type { AppEnv } from "../../http/context";
import { ok } from "../../http/envelope";
import { AppError } from "../../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../../http/openapi";
import { publish } from "../../publish";
import { retryDelivery } from "../engine";
import { getDelivery, listDeliveries, queueStats, retryFailed, subscriptionStats } from "../store/deliveries";
import { endpointGuard } from "../store/endpoint-guard";
import { enqueueDeliveries } from "../store/outbox";
import { ATTEMPT, DELIVERY, DELIVERY_PARAM, ID_PARAM, LIST_DELIVERIES_QUERY, PUBLISH_EVENT, RETRY_FAILED } from "../schemas";
import { getSubscriptionRow, type SubscriptionRow } from "../store/subscriptions";
import { customEventType } from "../../events/types";

const guard = protect("subscriptions");
const tags = ["Deliveries"];

/** Delivery, event and queue routes, mounted under the base path. */
export const deliveryRoutes = new OpenAPIHono<AppEnv>();

async function requireSubscription(db: TenantDb, id: string): Promise<SubscriptionRow> {
  const row = await getSubscriptionRow(db, id);
  if (!row) throw new AppError("NOT_FOUND", "Subscription not found");
  return row;
}

deliveryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/subscriptions/{id}/deliveries",
    tags,
    summary: "Delivery history, newest first (?status=, cursor pagination)",
    middleware: guard,
    request: { params: ID_PARAM, query: LIST_DELIVERIES_QUERY },
    responses: { 200: envelopeOf(z.object({ items: z.array(DELIVERY), nextCursor: z.string().nullable() }), "A page of deliveries"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await requireSubscription(tenantDb(c), id);
    return ok(c, await listDeliveries(tenantDb(c), id, c.req.valid("query")));
  },
);

deliveryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/subscriptions/{id}/deliveries/{deliveryId}",
    tags,
    summary: "One delivery with every attempt",
    middleware: guard,
    request: { params: DELIVERY_PARAM },
    responses: { 200: envelopeOf(DELIVERY.extend({ attemptLog: z.array(ATTEMPT) }), "The delivery and its attempts"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    const delivery = await getDelivery(tenantDb(c), id, deliveryId);
    if (!delivery) throw new AppError("NOT_FOUND", "Delivery not found");
    return ok(c, delivery);
  },
);

deliveryRoutes.openapi(
  createRoute({
    method: "post",
    path: "/subscriptions/{id}/deliveries/{deliveryId}/retry",
    tags,
    summary: "Deliver again now (same webhook-id; a new round of the retry policy)",
    middleware: guard,
    request: { params: DELIVERY_PARAM },
    responses: { 202: envelopeOf(z.object({ id: z.string(), status: z.literal("pending") }), "Queued for delivery"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    const result = await retryDelivery(c.env, tenantDb(c), id, deliveryId);
    if (result === "sending") throw new AppError("UNPROCESSABLE", "Delivery is being sent right now; retry after it finishes");
    if (result === "missing") throw new AppError("NOT_FOUND", "Delivery not found");
    audit(c, "delivery.retry", { type: "delivery", id: deliveryId }, { subscriptionId: id });
    return ok(c, { id: deliveryId, status: "pending" as const }, 202);
  },
);

const STATS = z
  .object({
    totalDeliveries: z.number(),
    pending: z.number(),
    sending: z.number(),
    success: z.number(),
    failed: z.number(),
    retrying: z.number(),
    held: z.number(),
    successRate: z.number().nullable(),
    attempts: z.object({ total: z.number(), succeeded: z.number(), failed: z.number() }),
    latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), sample: z.number() }),
    consecutiveFailures: z.number(),
    circuit: z.enum(["closed", "open", "half_open"]),
    currentRate: z.number().nullable().openapi({ description: "Deliveries per second the endpoint is held to now: the adaptive rate while throttled, else rateLimit (null = unlimited)" }),
    throttled: z.boolean().openapi({ description: "True while 429/503 answers or slow responses hold the rate below the configured one" }),
  })
  .openapi("SubscriptionStats");

deliveryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/subscriptions/{id}/stats",
    tags,
    summary: "Totals, success rate, pending/retrying/failed, p50/p95 attempt latency, circuit state, adaptive rate",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(STATS, "Statistics"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    // consecutiveFailures is D1's (the same number GET /subscriptions/:id shows); the guard has the breaker.
    const row = await requireSubscription(tenantDb(c), id);
    const [stats, guard] = await Promise.all([subscriptionStats(tenantDb(c), id), endpointGuard(c.env, id).snapshot()]);
    return ok(c, { ...stats, consecutiveFailures: row.consecutive_failures, circuit: guard.health.breaker, currentRate: guard.currentRate, throttled: guard.throttled });
  },
);

deliveryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/event-types",
    tags: ["Events"],
    summary: "The catalogue of event types with a description, a JSON Schema of data and an example payload",
    middleware: protect("subscriptions"),
    responses: {
      200: envelopeOf(z.object({ items: z.array(z.object({ type: z.string(), description: z.string(), schema: z.record(z.string(), z.unknown()).openapi({ description: "JSON Schema of the event's data" }), example: z.record(z.string(), z.unknown()) })) }), "Event types"),
      ...ERROR_RESPONSES,
    },
  }),
  (c) => ok(c, { items: EVENT_CATALOGUE }),
);

deliveryRoutes.openapi(
  createRoute({
    method: "post",
    path: "/events",
    tags: ["Events"],
    summary: "Publish a custom event to every matching subscription and stream (scope events or admin)",
    middleware: [...protect("events"), strictFields(PUBLISH_EVENT)],
    request: { body: jsonRequest(PUBLISH_EVENT) },
    responses: {
      201: envelopeOf(
        z.object({ id: z.string(), type: z.string(), timestamp: z.string(), data: z.record(z.string(), z.unknown()), metadata: z.record(z.string(), z.unknown()).optional(), deliveries: z.number() }),
        "The stored event and how many deliveries it made",
      ),
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const refusal = c.get("principal").kind === "admin" ? null : reservedEventRefusal(body.type, body.metadata);
    if (refusal) throw new AppError("FORBIDDEN", refusal.message, { details: refusal.details });
    const event = await publish(c.env, c.executionCtx, {
      tenantId: owningTenant(c),
      type: customEventType(body.type),
      data: body.data,
      ...(body.metadata ? { metadata: body.metadata } : {}),
      ...(body.deliverAt ? { deliverAt: Date.parse(body.deliverAt) } : {}),
    });
    return ok(c, { ...toWireEvent(event), deliveries: event.deliveryCount }, 201);
  },
);

deliveryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/queue/stats",
    tags,
    summary: "Queue and dead-letter figures from the outbox (of the caller's tenant; every tenant for the admin without X-Tenant-ID)",
    middleware: guard,
    responses: {
      200: envelopeOf(
        z.object({
          deliveries: z.record(z.string(), z.number()),
          inFlight: z.number(),
          held: z.number(),
          dueNow: z.number(),
          overdue: z.number(),
          oldestDueAt: z.string().nullable(),
          deadLetter: z.object({ count: z.number() }),
        }),
        "Queue statistics",
      ),
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => ok(c, await queueStats(tenantDb(c), Date.now(), c.get("config").delivery.sweepGraceMs)),
);

deliveryRoutes.openapi(
  createRoute({
    method: "post",
    path: "/queue/retry-failed",
    tags,
    summary: "Redeliver failed (dead-lettered) deliveries of the caller's tenant's active subscriptions",
    middleware: [...guard, strictFields(RETRY_FAILED)],
    request: { body: jsonRequest(RETRY_FAILED) },
    responses: { 202: envelopeOf(z.object({ retried: z.number() }), "How many deliveries were queued again"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const messages = await retryFailed(tenantDb(c), Date.now(), c.req.valid("json"));
    await enqueueDeliveries(c.env.DELIVERIES, messages);
    audit(c, "queue.retry_failed", { type: "queue", id: null }, { retried: messages.length, ...c.req.valid("json") });
    return ok(c, { retried: messages.length }, 202);
  },
);
