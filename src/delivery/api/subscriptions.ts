/** Subscription routes: create, list, read, update, replace, delete, rotate-secret, test, pause, resume. */
import { owningTenant, tenantDb } from "../../tenants/context";
import { audit } from "../../ops/audit";
import { iso, isoOrNull } from "../../lib/time";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { protect } from "../../guard";
import type { AppEnv } from "../../http/context";
import { ok } from "../../http/envelope";
import { AppError } from "../../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../../http/openapi";
import { publish } from "../../publish";
import { deliverNow } from "../engine";
import { forgetCachedSubscriptions } from "../store/outbox";
import { ATTEMPT, CREATE_SUBSCRIPTION, ID_PARAM, LIST_SUBSCRIPTIONS_QUERY, ROTATE_SECRET, SUBSCRIPTION, UPDATE_SUBSCRIPTION } from "../schemas";
import { changeStatus, newSubscriptionRow, rotate, updateConfig } from "../subscriptions";
import { deleteSubscription, getSubscriptionRow, insertSubscription, listSubscriptions, toView, type SubscriptionRow } from "../store/subscriptions";
import { endpointGuard } from "../store/endpoint-guard";
import { STORED_CREDENTIALS } from "../core/credentials-after-url-change";
import { withIntegration } from "../../integrations";

const guard = protect("subscriptions");
const tags = ["Subscriptions"];
const BASE = "/webhooks/v2/subscriptions";
const links = (id: string) => ({ self: `${BASE}/${id}`, deliveries: `${BASE}/${id}/deliveries`, stats: `${BASE}/${id}/stats` });
const UPDATED_SUBSCRIPTION = SUBSCRIPTION.extend({
  droppedCredentials: z
    .array(z.enum(STORED_CREDENTIALS))
    .optional()
    .openapi({ description: "Stored credentials dropped because the url's origin changed and the request did not supply them again" }),
});
const STATUS_RESULT = SUBSCRIPTION.extend({ released: z.number().openapi({ description: "Held deliveries re-enqueued by this change" }) });

/** Subscription routes, mounted under the base path. */
export const subscriptionRoutes = new OpenAPIHono<AppEnv>();

/** The subscription row of a route's `:id` in the caller's tenant, or 404 NOT_FOUND (another tenant's id too). */
export async function found(c: Context<AppEnv>, id: string): Promise<SubscriptionRow> {
  const row = await getSubscriptionRow(tenantDb(c), id);
  if (!row) throw new AppError("NOT_FOUND", "Subscription not found");
  return row;
}

for (const path of ["/subscribe", "/subscriptions"] as const) {
  subscriptionRoutes.openapi(
    createRoute({
      method: "post",
      path,
      tags,
      summary: "Create a subscription; its secret is shown only here and on rotation",
      middleware: [...guard, strictFields(CREATE_SUBSCRIPTION)],
      request: { body: jsonRequest(CREATE_SUBSCRIPTION) },
      responses: { 201: envelopeOf(SUBSCRIPTION.extend({ secret: z.string() }), "The subscription with its signing secret"), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const now = Date.now();
      const { row, secret } = await newSubscriptionRow(withIntegration(c.req.valid("json")), { gateway: c.get("config"), env: c.env }, c.get("principal").tokenId, now, owningTenant(c));
      await insertSubscription(tenantDb(c), row);
      forgetCachedSubscriptions();
      if (row.rate_limit !== null) await endpointGuard(c.env, row.id).configure(row.rate_limit);
      audit(c, "subscription.create", { type: "subscription", id: row.id }, { destination: row.destination_type, url: row.url || undefined, events: JSON.parse(row.events) });
      return ok(c, { ...toView(row, now), secret }, 201, links(row.id));
    },
  );
}

subscriptionRoutes.openapi(
  createRoute({
    method: "get",
    path: "/subscriptions",
    tags,
    summary: "List subscriptions (cursor pagination; ?status=active|inactive, ?event=<type>)",
    middleware: guard,
    request: { query: LIST_SUBSCRIPTIONS_QUERY },
    responses: { 200: envelopeOf(z.object({ items: z.array(SUBSCRIPTION), nextCursor: z.string().nullable() }), "A page of subscriptions"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const page = await listSubscriptions(tenantDb(c), c.req.valid("query"));
    const now = Date.now();
    return ok(c, { items: page.items.map((r) => toView(r, now)), nextCursor: page.nextCursor });
  },
);

subscriptionRoutes.openapi(
  createRoute({
    method: "get",
    path: "/subscriptions/{id}",
    tags,
    summary: "Read a subscription",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(SUBSCRIPTION, "The subscription"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const row = await found(c, c.req.valid("param").id);
    return ok(c, toView(row), 200, links(row.id));
  },
);

for (const method of ["patch", "put"] as const) {
  const schema = method === "put" ? CREATE_SUBSCRIPTION.omit({ secret: true }) : UPDATE_SUBSCRIPTION;
  subscriptionRoutes.openapi(
    createRoute({
      method,
      path: "/subscriptions/{id}",
      tags,
      summary: method === "put" ? "Replace a subscription's configuration (the secret is kept)" : "Update some fields of a subscription",
      middleware: [...guard, strictFields(schema)],
      request: { params: ID_PARAM, body: jsonRequest(schema) },
      responses: { 200: envelopeOf(UPDATED_SUBSCRIPTION, "The updated subscription"), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const now = Date.now();
      const existing = await found(c, c.req.valid("param").id);
      const body = c.req.valid("json");
      const input = (method === "put" ? withIntegration(body as z.infer<typeof CREATE_SUBSCRIPTION>) : body) as z.infer<typeof UPDATE_SUBSCRIPTION>;
      const { row, droppedCredentials } = await updateConfig(c.env, existing, input, { gateway: c.get("config"), env: c.env }, now, method === "put");
      const dropped = droppedCredentials.length ? { droppedCredentials } : {};
      audit(c, method === "put" ? "subscription.replace" : "subscription.update", { type: "subscription", id: row.id }, { fields: Object.keys(input), ...dropped });
      const wanted = input.active === undefined ? null : input.active ? "active" : "paused";
      if (wanted && (wanted === "active") !== (row.status === "active")) {
        const { released: _released, ...view } = await changeStatus(c.env, row, wanted, null, now);
        if (wanted === "active") await announceEnabled(c, row.id, row.tenant_id);
        return ok(c, { ...view, ...dropped }, 200, links(row.id));
      }
      return ok(c, { ...toView(row, now), ...dropped }, 200, links(row.id));
    },
  );
}

subscriptionRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/subscriptions/{id}",
    tags,
    summary: "Delete a subscription with its delivery history",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    if (!(await deleteSubscription(tenantDb(c), id))) throw new AppError("NOT_FOUND", "Subscription not found");
    forgetCachedSubscriptions();
    audit(c, "subscription.delete", { type: "subscription", id });
    return ok(c, { id, deleted: true as const });
  },
);

subscriptionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/subscriptions/{id}/rotate-secret",
    tags,
    summary: "Rotate the signing secret; the previous one keeps signing during the grace period (default 24 h)",
    middleware: [...guard, strictFields(ROTATE_SECRET)],
    request: { params: ID_PARAM, body: { ...jsonRequest(ROTATE_SECRET), required: false } },
    responses: {
      200: envelopeOf(z.object({ id: z.string(), secret: z.string(), previousSecretExpiresAt: z.string().nullable() }), "The new secret"),
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    const now = Date.now();
    const existing = await found(c, c.req.valid("param").id);
    const body = c.req.valid("json");
    const graceMs = body.gracePeriodSeconds !== undefined ? body.gracePeriodSeconds * 1000 : c.get("config").delivery.secretRotationGraceMs;
    const { row, secret } = await rotate(c.env, existing, c.get("config"), now, graceMs, body.secret);
    audit(c, "subscription.rotate_secret", { type: "subscription", id: row.id }, { graceSeconds: Math.round(graceMs / 1000) });
    return ok(c, { id: row.id, secret, previousSecretExpiresAt: toView(row, now).previousSecretExpiresAt }, 200, links(row.id));
  },
);

subscriptionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/subscriptions/{id}/test",
    tags,
    summary: "Send a webhook.test event now and return the attempt's outcome",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: {
      200: envelopeOf(
        z.object({ deliveryId: z.string(), eventId: z.string(), success: z.boolean(), status: z.string(), attempt: ATTEMPT.nullable(), nextAttemptAt: z.string().nullable() }),
        "The test delivery's outcome",
      ),
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    const row = await found(c, c.req.valid("param").id);
    if (row.status !== "active") throw new AppError("UNPROCESSABLE", `Subscription is ${row.status}; resume it before testing`);
    if (row.require_verification === 1 && row.verified_at === null) throw new AppError("UNPROCESSABLE", "Subscription requires verification; verify it before testing");
    const target = { id: row.id, tenantId: row.tenant_id, events: [], filters: null, active: true };
    const event = await publish(c.env, c.executionCtx, { tenantId: row.tenant_id, type: "webhook.test", data: { message: "This is a test delivery from edgehook", subscriptionId: row.id } }, { targets: [target], enqueue: false });
    const message = event.deliveries[0]!;
    const a = (await deliverNow(c.get("engine")(c.env, c.executionCtx, c.get("requestId")), message)).outcome;
    return ok(c, {
      deliveryId: message.deliveryId,
      eventId: event.id,
      success: a?.status === "success",
      status: a?.status ?? "pending",
      attempt: a
        ? { attempt: a.attempt, statusCode: a.statusCode, durationMs: a.durationMs, responseBody: a.responseBody, error: a.error, verdict: a.verdict, createdAt: iso(a.finishedAt), batchId: a.batchId ?? null }
        : null,
      nextAttemptAt: isoOrNull(a?.nextAt ?? null),
    });
  },
);

/** subscription.enabled: a paused or disabled subscription delivers again. */
async function announceEnabled(c: Context<AppEnv>, subscriptionId: string, tenantId: string): Promise<void> {
  await publish(c.env, c.executionCtx, { tenantId, type: "subscription.enabled", data: { subscriptionId } });
}

for (const action of ["pause", "resume"] as const) {
  subscriptionRoutes.openapi(
    createRoute({
      method: "post",
      path: `/subscriptions/{id}/${action}`,
      tags,
      summary: action === "pause" ? "Stop delivering; events are kept and delivered on resume" : "Start delivering again, catching up on everything held",
      middleware: guard,
      request: { params: ID_PARAM },
      responses: { 200: envelopeOf(STATUS_RESULT, "The subscription after the change"), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const row = await found(c, c.req.valid("param").id);
      const result = await changeStatus(c.env, row, action === "pause" ? "paused" : "active", null, Date.now());
      if (action === "resume" && row.status !== "active") await announceEnabled(c, row.id, row.tenant_id);
      audit(c, `subscription.${action}`, { type: "subscription", id: row.id });
      return ok(c, result, 200, links(row.id));
    },
  );
}
