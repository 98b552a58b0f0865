/** The notify path: records a notification and publishes notify.sent per channel (POST /notify and automation notify steps). */
import type { z } from "@hono/zod-openapi";
import { channelStatuses, type ChannelStatus } from "../delivery/store/channels";
import { AppError } from "../http/errors";
import { newId, nextEventId } from "../lib/ids";
import { publishAll, type BackgroundContext } from "../publish";
import { TenantDb } from "../tenants/tenant-db";
import type { SEND_NOTIFICATION } from "./schemas";

/** The channel used when a notification names none (it exists only once created with POST /channels). */
export const DEFAULT_CHANNEL = "default";

/** A notification to send (the fields of POST /notify that matter past validation). */
export type NotificationInput = Pick<z.infer<typeof SEND_NOTIFICATION>, "priority" | "title" | "body" | "channels" | "data" | "tags">;

/** How to send: POST /notify sets `requireChannel` (a notification no channel can take is refused); an automation step reports the failed channels in its output instead. */
export interface SendNotificationOptions {
  requireChannel?: boolean;
}


/** Who sent it: the token id recorded on the row, and the events' metadata. */
export interface NotificationSender {
  tokenId: string;
  /** The tenant the notification and its events belong to. */
  tenantId: string;
  metadata: Record<string, unknown>;
}

/**
 * Records the notification in the sender's tenant and publishes one notify.sent per channel (of
 * that tenant, looked up by name) in one D1 batch (with
 * `requireChannel`, 422 UNPROCESSABLE and nothing recorded when no named channel exists); each
 * channel's status at acceptance (queued, or failed when unknown) is returned and carried by the
 * events, which the channels' subscriptions deliver.
 */
export async function sendNotification(env: Env, ctx: BackgroundContext, input: NotificationInput, sender: NotificationSender, options: SendNotificationOptions = {}): Promise<{ notificationId: string; channels: Record<string, ChannelStatus> }> {
  const now = Date.now();
  const id = newId("notif");
  const names = [...new Set(input.channels ?? [DEFAULT_CHANNEL])];
  const db = TenantDb.of(env.DB, sender.tenantId);
  const channels = await channelStatuses(db, names);
  const missing = names.filter((name) => channels[name]!.status === "failed");
  if (options.requireChannel && missing.length === names.length) {
    throw new AppError("UNPROCESSABLE", `No channel can deliver this notification: ${missing.map((n) => `"${n}"`).join(", ")} ${missing.length === 1 ? "does" : "do"} not exist; create channels with POST /channels`, {
      details: { missingChannels: missing, channels },
    });
  }
  // Each channel's notify.sent id is kept with its status: GET /notify/:id follows its delivery.
  const eventIds = Object.fromEntries(names.map((name) => [name, nextEventId()]));
  const stored = Object.fromEntries(names.map((name) => [name, { ...channels[name]!, eventId: eventIds[name]! }]));
  const insert = db.prepare(
    "INSERT INTO notifications (tenant_id, id, token_id, priority, title, body, channels, data, tags, created_at) VALUES ($tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).bind(id, sender.tokenId, input.priority, input.title, input.body, JSON.stringify(stored), input.data ? JSON.stringify(input.data) : null, input.tags ? JSON.stringify(input.tags) : null, now);
  await publishAll(
    env,
    ctx,
    names.map((channel) => ({
      id: eventIds[channel]!,
      tenantId: sender.tenantId,
      type: "notify.sent",
      data: { notifId: id, notificationId: id, channel, status: channels[channel]!.status, priority: input.priority, title: input.title, body: input.body, ...(input.data ? { data: input.data } : {}), ...(input.tags ? { tags: input.tags } : {}) },
      metadata: sender.metadata,
    })),
    { statements: [insert], now },
  );
  return { notificationId: id, channels };
}
