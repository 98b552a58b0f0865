/** POST /notify: records a notification and emits notify.sent per channel. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../http/openapi";
import { sendNotification } from "./notify";
import { NOTIFICATION_SENT, SEND_NOTIFICATION } from "./schemas";

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
    const principal = c.get("principal");
    const sent = await sendNotification(c.env, c.executionCtx, c.req.valid("json"), { tokenId: principal.tokenId, metadata: { requestId: c.get("requestId"), tokenId: principal.tokenId } });
    return ok(c, sent, 201);
  },
);
