/** POST /notify: records a notification and emits notify.sent per channel. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../http/openapi";
import { channelStatuses } from "../delivery/store/channels";
import { newId, nextEventId } from "../lib/ids";
import { publishAll } from "../publish";
import { NOTIFICATION_SENT, SEND_NOTIFICATION } from "./schemas";

/** The channel used when a notification names none. */
export const DEFAULT_CHANNEL = "default";


/** Notify routes. */
export const notifyRoutes = new OpenAPIHono<AppEnv>();

notifyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/notify",
    tags: ["Notifications"],
    summary: "Send a notification to channels; emits notify.sent per channel",
    middleware: [...protect("notify"), strictFields(SEND_NOTIFICATION)],
    request: { body: jsonRequest(SEND_NOTIFICATION) },
    responses: { 201: envelopeOf(NOTIFICATION_SENT, "The notification and each channel's status"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const now = Date.now();
    const id = newId("notif");
    const names = [...new Set(input.channels ?? [DEFAULT_CHANNEL])];
    // Each channel's status at acceptance (queued, or failed when unknown); the recorded
    // notification and its notify.sent events, which the channels' subscriptions deliver, carry it.
    const channels = await channelStatuses(c.env.DB, names);
    // Each channel's notify.sent id is kept with its status: GET /notify/:id follows its delivery.
    const eventIds = Object.fromEntries(names.map((name) => [name, nextEventId()]));
    const stored = Object.fromEntries(names.map((name) => [name, { ...channels[name]!, eventId: eventIds[name]! }]));
    const insert = c.env.DB.prepare(
      "INSERT INTO notifications (id, token_id, priority, title, body, channels, data, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).bind(id, c.get("principal").tokenId, input.priority, input.title, input.body, JSON.stringify(stored), input.data ? JSON.stringify(input.data) : null, input.tags ? JSON.stringify(input.tags) : null, now);
    const metadata = { requestId: c.get("requestId"), tokenId: c.get("principal").tokenId };
    await publishAll(
      c.env,
      c.executionCtx,
      names.map((channel) => ({
        id: eventIds[channel]!,
        type: "notify.sent",
        data: { notifId: id, channel, status: channels[channel]!.status, priority: input.priority, title: input.title, body: input.body, ...(input.data ? { data: input.data } : {}), ...(input.tags ? { tags: input.tags } : {}) },
        metadata,
      })),
      { statements: [insert], now },
    );
    return ok(c, { notificationId: id, channels }, 201);
  },
);
