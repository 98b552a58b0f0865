/** GET /notify/:id: a notification with each channel's status now (delivered once its delivery succeeded). */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf } from "../http/openapi";
import { tenantDb } from "../tenants/context";
import { readNotification } from "./notify-status";
import { CHANNEL_STATUS } from "./schemas";

const NOTIFICATION = z
  .object({
    id: z.string(),
    tenantId: z.string().openapi({ description: "The tenant the notification belongs to" }),
    priority: z.string(),
    title: z.string(),
    body: z.string(),
    createdAt: z.string(),
    channels: z.record(z.string(), CHANNEL_STATUS.extend({ attempts: z.number().optional(), lastStatusCode: z.number().nullable().optional() })),
  })
  .openapi("Notification");

/** The notification status route. */
export const notifyStatusRoutes = new OpenAPIHono<AppEnv>();

notifyStatusRoutes.openapi(
  createRoute({
    method: "get",
    path: "/notify/{id}",
    tags: ["Notifications"],
    summary: "A notification with each channel's status (queued, delivered once its delivery succeeded, failed)",
    middleware: protect("notify"),
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: envelopeOf(NOTIFICATION, "The notification"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const notification = await readNotification(tenantDb(c), c.req.valid("param").id);
    if (!notification) throw new AppError("NOT_FOUND", "Notification not found");
    return ok(c, notification);
  },
);
