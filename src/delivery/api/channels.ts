/** Channel routes: /channels CRUD; each channel is a subscription to its notify.sent events. */
import { owningTenant, tenantDb } from "../../tenants/context";
import { audit } from "../../ops/audit";
import { iso } from "../../lib/time";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { protect } from "../../guard";
import type { AppEnv } from "../../http/context";
import { ok } from "../../http/envelope";
import { AppError } from "../../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../../http/openapi";
import { CHANNEL_NAME, CHANNEL_TYPES, channelRouting, channelTemplate, getChannel, insertChannelStatement, listChannels, updateChannelType, type ChannelRow } from "../store/channels";
import { forgetCachedSubscriptions } from "../store/outbox";
import { CREATE_SUBSCRIPTION, UPDATE_SUBSCRIPTION, URL_FIELD } from "../schemas";
import { changeStatus, newSubscriptionRow, updateConfig } from "../subscriptions";
import { deleteSubscription, insertSubscriptionStatement, toView, type SubscriptionRow } from "../store/subscriptions";
import { withIntegration } from "../../integrations";
import { STORED_CREDENTIALS } from "../core/credentials-after-url-change";

const guard = protect("subscriptions");
const tags = ["Channels"];
const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;

const CHANNEL_FIELDS = {
  type: z.enum(CHANNEL_TYPES),
  url: URL_FIELD,
  template: CREATE_SUBSCRIPTION.shape.template,
  headers: CREATE_SUBSCRIPTION.shape.headers,
  auth: CREATE_SUBSCRIPTION.shape.auth,
  retryPolicy: CREATE_SUBSCRIPTION.shape.retryPolicy,
  timeoutMs: UPDATE_SUBSCRIPTION.shape.timeoutMs,
  active: UPDATE_SUBSCRIPTION.shape.active,
};
const CREATE_CHANNEL = z
  .object({ name: CHANNEL_NAME, ...CHANNEL_FIELDS, type: CHANNEL_FIELDS.type.optional(), url: URL_FIELD.optional(), integration: CREATE_SUBSCRIPTION.shape.integration, secret: CREATE_SUBSCRIPTION.shape.secret })
  .openapi("CreateChannel");
const UPDATE_CHANNEL = z.object(CHANNEL_FIELDS).partial().openapi("UpdateChannel");
const NAME_PARAM = z.object({ name: CHANNEL_NAME });
const CHANNEL = z
  .object({
    name: z.string(),
    tenantId: z.string().openapi({ description: "The tenant the channel belongs to (names are unique per tenant)" }),
    type: z.enum(CHANNEL_TYPES),
    url: z.string(),
    template: z.unknown(),
    subscriptionId: z.string(),
    active: z.boolean(),
    status: z.string(),
    disabledReason: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Channel");

function channelView(channel: ChannelRow, subscription: SubscriptionRow) {
  const sub = toView(subscription);
  return {
    name: channel.name,
    tenantId: channel.tenant_id,
    type: channel.type,
    url: subscription.url,
    template: sub.template,
    subscriptionId: sub.id,
    active: sub.active,
    status: sub.status,
    disabledReason: sub.disabledReason,
    lastAttemptAt: sub.lastAttemptAt,
    lastSuccessAt: sub.lastSuccessAt,
    createdAt: iso(channel.created_at),
    updatedAt: sub.updatedAt,
  };
}

/** The caller's tenant's channel of that name (the unbound admin: the `default` tenant's), or 404. */
async function found(c: Context<AppEnv>, name: string) {
  const hit = await getChannel(tenantDb(c), name);
  if (!hit) throw new AppError("NOT_FOUND", "Channel not found");
  return hit;
}

/** Channel routes, mounted under the base path. */
export const channelRoutes = new OpenAPIHono<AppEnv>();

channelRoutes.openapi(
  createRoute({
    method: "post",
    path: "/channels",
    tags,
    summary: "Create a notification channel (webhook, slack, discord, teams) for POST /notify",
    middleware: [...guard, strictFields(CREATE_CHANNEL)],
    request: { body: jsonRequest(CREATE_CHANNEL) },
    responses: { 201: envelopeOf(CHANNEL.extend({ secret: z.string() }), "The channel with its signing secret"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const now = Date.now();
    if (await getChannel(tenantDb(c), body.name)) throw new AppError("UNPROCESSABLE", `Channel "${body.name}" already exists`);
    // integration: {id, params} sets url, auth, headers and template (type "integration").
    const { integration, ...rest } = body;
    const input = { ...withIntegration({ ...rest, integration }), type: integration ? ("integration" as const) : (body.type ?? "webhook") };
    const { row, secret } = await newSubscriptionRow(
      {
        ...channelRouting(input.name),
        url: input.url,
        name: `channel:${input.name}`,
        description: `Delivers POST /notify to channel ${input.name}`,
        method: "POST",
        template: channelTemplate(input.type, input.template),
        timeoutMs: input.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS,
        active: input.active ?? true,
        ...(input.headers ? { headers: input.headers } : {}),
        ...(input.auth ? { auth: input.auth } : {}),
        ...(input.retryPolicy ? { retryPolicy: input.retryPolicy } : {}),
        ...(input.secret ? { secret: input.secret } : {}),
        ...(input.secretParams ? { secretParams: input.secretParams, urlTemplate: input.urlTemplate } : {}),
      },
      { gateway: c.get("config"), env: c.env },
      c.get("principal").tokenId,
      now,
      owningTenant(c),
    );
    const channel: ChannelRow = { name: input.name, tenant_id: row.tenant_id, type: input.type, subscription_id: row.id, created_at: now, updated_at: now };
    const db = tenantDb(c);
    await db.batch([insertSubscriptionStatement(db, row), insertChannelStatement(db, channel)]);
    forgetCachedSubscriptions();
    audit(c, "channel.create", { type: "channel", id: input.name }, { url: input.url, type: input.type });
    return ok(c, { ...channelView(channel, row), secret }, 201, { self: `/webhooks/v2/channels/${input.name}`, subscription: `/webhooks/v2/subscriptions/${row.id}` });
  },
);

channelRoutes.openapi(
  createRoute({
    method: "get",
    path: "/channels",
    tags,
    summary: "List notification channels",
    middleware: guard,
    responses: { 200: envelopeOf(z.object({ items: z.array(CHANNEL) }), "Channels by name"), ...ERROR_RESPONSES },
  }),
  async (c) => ok(c, { items: (await listChannels(tenantDb(c))).map((h) => channelView(h.channel, h.subscription)) }),
);

channelRoutes.openapi(
  createRoute({
    method: "get",
    path: "/channels/{name}",
    tags,
    summary: "Read a channel (its deliveries are under its subscription)",
    middleware: guard,
    request: { params: NAME_PARAM },
    responses: { 200: envelopeOf(CHANNEL, "The channel"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { channel, subscription } = await found(c, c.req.valid("param").name);
    return ok(c, channelView(channel, subscription), 200, { deliveries: `/webhooks/v2/subscriptions/${subscription.id}/deliveries` });
  },
);

channelRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/channels/{name}",
    tags,
    summary: "Update a channel (type, url, template, headers, auth, retry policy, timeout, active)",
    middleware: [...guard, strictFields(UPDATE_CHANNEL)],
    request: { params: NAME_PARAM, body: jsonRequest(UPDATE_CHANNEL) },
    responses: { 200: envelopeOf(CHANNEL.extend({ droppedCredentials: z.array(z.enum(STORED_CREDENTIALS)).optional() }), "The updated channel"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const now = Date.now();
    const { channel, subscription } = await found(c, c.req.valid("param").name);
    const input = c.req.valid("json");
    const type = input.type ?? channel.type;
    const { type: _type, active, ...changes } = input;
    const templateChanged = input.type !== undefined || "template" in input;
    const { row, droppedCredentials } = await updateConfig(c.env, subscription, { ...changes, ...(templateChanged ? { template: channelTemplate(type, input.template) } : {}) }, { gateway: c.get("config"), env: c.env }, now, false);
    const updated: ChannelRow = { ...channel, type, updated_at: now };
    await updateChannelType(tenantDb(c), channel, type, now);
    let current = row;
    if (active !== undefined && active !== (row.status === "active")) {
      await changeStatus(c.env, row, active ? "active" : "paused", null, now);
      current = { ...row, status: active ? "active" : "paused" };
    }
    const dropped = droppedCredentials.length ? { droppedCredentials } : {};
    audit(c, "channel.update", { type: "channel", id: channel.name }, { fields: Object.keys(input), ...dropped });
    return ok(c, { ...channelView(updated, current), ...dropped });
  },
);

channelRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/channels/{name}",
    tags,
    summary: "Delete a channel and its subscription",
    middleware: guard,
    request: { params: NAME_PARAM },
    responses: { 200: envelopeOf(z.object({ name: z.string(), deleted: z.literal(true) }), "Deleted"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { channel } = await found(c, c.req.valid("param").name);
    await deleteSubscription(tenantDb(c), channel.subscription_id); // removes the channel row in the same batch
    forgetCachedSubscriptions();
    audit(c, "channel.delete", { type: "channel", id: channel.name });
    return ok(c, { name: channel.name, deleted: true as const });
  },
);
