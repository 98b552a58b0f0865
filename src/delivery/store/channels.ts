/** Notification channels: named destinations for POST /notify, each backed by a subscription to its notify.sent events. */
import { z } from "@hono/zod-openapi";
import type { FilterGroup } from "../core/match";
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
 * The status each named channel gets when a notification is accepted: `queued` when its delivery
 * is written and enqueued, `queued` with a reason while the channel is paused or disabled (the
 * delivery is held until resume), `failed` when no such channel exists.
 */
export async function channelStatuses(db: D1Database, names: readonly string[]): Promise<Record<string, ChannelStatus>> {
  const rows = await db
    .prepare("SELECT c.name, s.status FROM channels c JOIN subscriptions s ON s.id = c.subscription_id WHERE c.name IN (SELECT value FROM json_each(?))")
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
  type: ChannelType;
  subscription_id: string;
  created_at: number;
  updated_at: number;
}

/** One channel with its backing subscription, or null. */
export async function getChannel(db: D1Database, name: string): Promise<{ channel: ChannelRow; subscription: SubscriptionRow } | null> {
  const [channels, subscriptions] = await db.batch([
    db.prepare("SELECT * FROM channels WHERE name = ?").bind(name),
    db.prepare("SELECT * FROM subscriptions WHERE id = (SELECT subscription_id FROM channels WHERE name = ?)").bind(name),
  ]);
  const channel = channels!.results[0] as ChannelRow | undefined;
  const subscription = subscriptions!.results[0] as SubscriptionRow | undefined;
  return channel && subscription ? { channel, subscription } : null;
}

/** Every channel with its subscription, by name. */
export async function listChannels(db: D1Database): Promise<{ channel: ChannelRow; subscription: SubscriptionRow }[]> {
  const [channels, subscriptions] = await db.batch([
    db.prepare("SELECT * FROM channels ORDER BY name"),
    db.prepare("SELECT * FROM subscriptions WHERE id IN (SELECT subscription_id FROM channels)"),
  ]);
  const subs = new Map((subscriptions!.results as SubscriptionRow[]).map((s) => [s.id, s]));
  return (channels!.results as ChannelRow[]).flatMap((channel) => {
    const subscription = subs.get(channel.subscription_id);
    return subscription ? [{ channel, subscription }] : [];
  });
}
