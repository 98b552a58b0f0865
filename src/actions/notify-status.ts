/** A notification's per-channel status: queued at acceptance, then delivered or failed as its channel's delivery ends. */
import type { ChannelStatus } from "../delivery/store/channels";
import type { TenantDb } from "../tenants/tenant-db";

/** A stored channel entry of a notification. */
export interface StoredChannel extends ChannelStatus {
  eventId?: string;
}

/** The delivery of a channel's notify.sent to the channel's subscription, as D1 has it. */
export interface ChannelDelivery {
  channel: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
}

/** A channel's status now: delivered once its delivery succeeded, failed once it is dead, else what it was at acceptance. */
export function channelStatusNow(stored: StoredChannel, delivery: ChannelDelivery | undefined): ChannelStatus & { attempts?: number; lastStatusCode?: number | null } {
  const { eventId: _eventId, ...base } = stored;
  if (!delivery) return base;
  if (delivery.status === "success") return { status: "delivered", attempts: delivery.attempts, lastStatusCode: delivery.last_status_code };
  if (delivery.status === "failed") return { status: "failed", reason: delivery.last_error ?? `HTTP ${delivery.last_status_code}`, attempts: delivery.attempts, lastStatusCode: delivery.last_status_code };
  return { ...base, attempts: delivery.attempts };
}

/** Reads a notification the handle sees and its channels' deliveries; null when there is none. */
export async function readNotification(db: TenantDb, id: string) {
  const row = await db
    .prepare("SELECT id, tenant_id, priority, title, body, channels, created_at FROM notifications WHERE id = ? AND $tenant(tenant_id)")
    .bind(id)
    .first<{ id: string; tenant_id: string; priority: string; title: string; body: string; channels: string; created_at: number }>();
  if (!row) return null;
  const stored = JSON.parse(row.channels) as Record<string, StoredChannel>;
  const eventIds = Object.values(stored).flatMap((ch) => (ch.eventId ? [ch.eventId] : []));
  const deliveries = eventIds.length
    ? (
        await db
          .prepare(
            `SELECT ch.name AS channel, d.status, d.attempts, d.last_status_code, d.last_error FROM deliveries d JOIN channels ch ON ch.subscription_id = d.subscription_id
             WHERE $tenant(d.tenant_id) AND d.tenant_id = ? AND ch.tenant_id = ? AND d.event_id IN (SELECT value FROM json_each(?))`,
          )
          .bind(row.tenant_id, row.tenant_id, JSON.stringify(eventIds))
          .all<ChannelDelivery>()
      ).results
    : [];
  const byChannel = new Map(deliveries.map((d) => [d.channel, d]));
  const channels = Object.fromEntries(Object.entries(stored).map(([name, ch]) => [name, channelStatusNow(ch, byChannel.get(name))]));
  return { id: row.id, tenantId: row.tenant_id, priority: row.priority, title: row.title, body: row.body, createdAt: new Date(row.created_at).toISOString(), channels };
}
