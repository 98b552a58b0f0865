/** Notification channels: named destinations for POST /notify, each backed by a subscription to its notify.sent events. */
import { z } from "@hono/zod-openapi";
import type { FilterGroup } from "../core/match";
import type { TenantDb } from "../../tenants/tenant-db";
import type { SubscriptionRow } from "./subscriptions";

/** Channel kinds: a plain webhook, a chat service with its message format, or any catalogue integration (`integration: {id, params}`). */
export const CHANNEL_TYPES = ["webhook", "slack", "discord", "teams", "integration"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Message templates per chat type, over a notify.sent event's data. */
const CHANNEL_TEMPLATES: Record<Exclude<ChannelType, "webhook" | "integration">, unknown> = {
  slack: { text: "*{{data.title}}* ({{data.priority}})\n{{data.body}}" },
  discord: { content: "**{{data.title}}** ({{data.priority}})\n{{data.body}}" },
  teams: { "@type": "MessageCard", "@context": "https://schema.org/extensions", summary: "{{data.title}}", title: "{{data.title}}", text: "{{data.body}}" },
};

export const CHANNEL_NAME = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "channel names use letters, digits, _ . -");

/**
 * The backing subscription's event patterns and filter for a channel: its notify.sent events at
 * acceptance (status queued), not the later notify.sent that reports a delivery's final status.
 */
export function channelRouting(name: string) {
  const filters = {
    all: [
      { field: "data.channel", operator: "equals" as const, value: name as unknown },
      { field: "data.status", operator: "equals" as const, value: "queued" as unknown },
    ],
  } satisfies FilterGroup;
  return { events: ["notify.sent"], filters };
}

/** The template of a channel: the chat preset, or the webhook's own (null = the event body). */
export function channelTemplate(type: ChannelType, custom: unknown): unknown {
  return type === "webhook" || type === "integration" ? (custom ?? null) : (custom ?? CHANNEL_TEMPLATES[type]);
}

/** A channel's status for a /notify response. */
export interface ChannelStatus {
  status: "delivered" | "queued" | "failed";
  reason?: string;
}

/**
 * The status each named channel of the handle's owning tenant gets when a notification is
 * accepted: `queued` when its delivery is written and enqueued, `queued` with a reason while the
 * channel is paused or disabled (the delivery is held until resume), `failed` when the tenant has
 * no such channel (another tenant's channel of that name does not count).
 */
export async function channelStatuses(db: TenantDb, names: readonly string[]): Promise<Record<string, ChannelStatus>> {
  const rows = await db
    .prepare(
      `SELECT c.name, s.status FROM channels c JOIN subscriptions s ON s.id = c.subscription_id AND s.tenant_id = c.tenant_id
        WHERE c.tenant_id = $tenant AND c.name IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(names))
    .all<{ name: string; status: SubscriptionRow["status"] }>();
  const found = new Map(rows.results.map((r) => [r.name, r.status]));
  return Object.fromEntries(
    names.map((name): [string, ChannelStatus] => {
      const status = found.get(name);
      if (status === undefined) return [name, { status: "failed", reason: `no channel named "${name}"; create it with POST /channels` }];
      if (status !== "active") return [name, { status: "queued", reason: `channel is ${status}; delivered when it resumes` }];
      return [name, { status: "queued" }];
    }),
  );
}

/** A channel row. */
export interface ChannelRow {
  name: string;
  /** Names are unique per tenant. */
  tenant_id: string;
  type: ChannelType;
  subscription_id: string;
  created_at: number;
  updated_at: number;
}

/**
 * One channel of the handle's owning tenant (by name) with its backing subscription, or null.
 * Names are unique per tenant, so a handle spanning every tenant (the admin without X-Tenant-ID)
 * names the `default` tenant's channels, where it also creates them.
 */
export async function getChannel(db: TenantDb, name: string): Promise<{ channel: ChannelRow; subscription: SubscriptionRow } | null> {
  const [channels, subscriptions] = await db.batch([
    db.prepare("SELECT * FROM channels WHERE name = ? AND tenant_id = $tenant").bind(name),
    db.prepare("SELECT * FROM subscriptions WHERE tenant_id = $tenant AND id = (SELECT subscription_id FROM channels WHERE name = ? AND tenant_id = $tenant)").bind(name),
  ]);
  const channel = channels!.results[0] as ChannelRow | undefined;
  const subscription = subscriptions!.results[0] as SubscriptionRow | undefined;
  return channel && subscription ? { channel, subscription } : null;
}

/** Every channel of the tenants the handle sees with its subscription, by name (then tenant). */
export async function listChannels(db: TenantDb): Promise<{ channel: ChannelRow; subscription: SubscriptionRow }[]> {
  const [channels, subscriptions] = await db.batch([
    db.prepare("SELECT * FROM channels WHERE $tenant(tenant_id) ORDER BY name, tenant_id"),
    db.prepare("SELECT * FROM subscriptions WHERE $tenant(tenant_id) AND id IN (SELECT subscription_id FROM channels WHERE $tenant(tenant_id))"),
  ]);
  const subs = new Map((subscriptions!.results as SubscriptionRow[]).map((s) => [s.id, s]));
  return (channels!.results as ChannelRow[]).flatMap((channel) => {
    const subscription = subs.get(channel.subscription_id);
    return subscription ? [{ channel, subscription }] : [];
  });
}

/** The INSERT of a channel row in the handle's owning tenant (batched with its subscription's). */
export function insertChannelStatement(db: TenantDb, channel: Omit<ChannelRow, "tenant_id">): D1PreparedStatement {
  return db
    .prepare("INSERT INTO channels (name, tenant_id, type, subscription_id, created_at, updated_at) VALUES (?, $tenant, ?, ?, ?, ?)")
    .bind(channel.name, channel.type, channel.subscription_id, channel.created_at, channel.updated_at);
}

/** Changes a channel's type (the row of its tenant only). */
export async function updateChannelType(db: TenantDb, channel: ChannelRow, type: ChannelType, now: number): Promise<void> {
  await db.prepare("UPDATE channels SET type = ?, updated_at = ? WHERE name = ? AND tenant_id = ? AND $tenant(tenant_id)").bind(type, now, channel.name, channel.tenant_id).run();
}
