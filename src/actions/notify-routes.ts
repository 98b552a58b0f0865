/** POST /notify: records a notification and emits notify.sent per channel. */
import { owningTenant } from "../tenants/context";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { ERROR_RESPONSES, envelopeOf, errorResponseDoc, jsonRequest, strictFields } from "../http/openapi";
import { platformInputs } from "./platform-inputs";
import { sendNotification } from "./notify";
import { NOTIFICATION_SENT, SEND_NOTIFICATION } from "./schemas";

/** Notify routes. */
export const notifyRoutes = new OpenAPIHono<AppEnv>();

notifyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/notify",
    tags: ["Notifications"],
    summary: "Send a notification to channels (default: the channel named `default`); emits notify.sent per channel",
    middleware: [...protect("notify", { form: true }), platformInputs(SEND_NOTIFICATION), strictFields(SEND_NOTIFICATION)],
    request: { body: jsonRequest(SEND_NOTIFICATION) },
    responses: {
      201: envelopeOf(NOTIFICATION_SENT, "The notification and each channel's status (unknown channels `failed` when at least one can deliver)"),
      ...ERROR_RESPONSES,
      422: errorResponseDoc("UNPROCESSABLE: no named channel exists (details.missingChannels); nothing is recorded"),
    },
  }),
  async (c) => {
    const principal = c.get("principal");
    const sent = await sendNotification(c.env, c.executionCtx, c.req.valid("json"), { tokenId: principal.tokenId, tenantId: owningTenant(c), metadata: { requestId: c.get("requestId"), tokenId: principal.tokenId } }, { requireChannel: true });
    return ok(c, sent, 201);
  },
);
