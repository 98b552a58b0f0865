/** `webhooks:*`: subscriptions, their deliveries and stats, and publishing an event (seed 004 names). */
import { Option, type Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { commaList, jsonObject, nonNegativeInt, positiveInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { UsageError } from "../lib/errors.js";
import { confirm } from "../lib/prompt.js";
import type { TableView } from "../output/format.js";
import { shortTime } from "../output/table.js";

type Subscription = components["schemas"]["Subscription"];
type Delivery = components["schemas"]["Delivery"];
const SUBSCRIPTION = "/webhooks/v2/subscriptions/{id}";
const AUTH_TYPES = ["none", "basic", "bearer", "api-key", "hmac"] as const;
const DELIVERY_STATUSES = ["pending", "sending", "success", "failed", "retrying"] as const;

const SUBSCRIPTIONS_VIEW: TableView<{ items: Subscription[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (s: Subscription) => s.id },
    { header: "status", value: (s: Subscription) => s.status },
    { header: "name", value: (s: Subscription) => s.name, flex: true },
    { header: "events", value: (s: Subscription) => s.events.join(","), flex: true },
    { header: "url", value: (s: Subscription) => s.url, flex: true },
  ],
};

/** A subscription as field/value lines, the most useful fields first. */
const SUBSCRIPTION_VIEW: TableView<Subscription & { secret?: string; released?: number }> = {
  kind: "record",
  pick: (s) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    url: s.url,
    method: s.method,
    events: s.events.join(", "),
    destination: s.destination?.type ?? "http",
    auth: s.auth?.type ?? "none",
    ...(s.secret ? { secret: s.secret } : {}),
    ...(s.released !== undefined ? { released: s.released } : {}),
    consecutiveFailures: s.consecutiveFailures,
    lastAttemptAt: s.lastAttemptAt,
    lastSuccessAt: s.lastSuccessAt,
    createdAt: s.createdAt,
  }),
};

const DELIVERIES_VIEW: TableView<{ items: Delivery[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (d: Delivery) => d.id },
    { header: "status", value: (d: Delivery) => d.status },
    { header: "tries", value: (d: Delivery) => d.attempts },
    { header: "code", value: (d: Delivery) => d.lastStatusCode },
    { header: "event", value: (d: Delivery) => d.eventType, flex: true },
    { header: "created", value: (d: Delivery) => shortTime(d.createdAt) },
  ],
};

/** `--auth-type` and `--auth-credentials` as the subscription's `auth` object. */
function authOf(type: (typeof AUTH_TYPES)[number] | undefined, credentials: Record<string, unknown> | undefined) {
  if (!type) {
    if (credentials) throw new UsageError("--auth-credentials needs --auth-type");
    return undefined;
  }
  return { ...credentials, type } as components["schemas"]["CreateSubscription"]["auth"];
}

/** Registers the `webhooks:*` commands. */
export function registerWebhooks(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("webhooks:list")
    .description("List subscriptions")
    .addOption(new Option("--status <status>", "only active or inactive ones").choices(["active", "inactive"] as const))
    .option("--event <type>", "only those receiving this event type")
    .option("--limit <n>", "at most this many (1-100)", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (o) => {
      const query = { status: o.status, event: o.event, limit: o.limit, cursor: o.cursor };
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/subscriptions", { params: { query } })), SUBSCRIPTIONS_VIEW);
    });

  program
    .command("webhooks:create")
    .description("Create a subscription (its signing secret is shown only now)")
    .requiredOption("--name <name>", "a name for people")
    .requiredOption("--url <url>", "the destination url")
    .requiredOption("--events <types>", "event types or patterns, comma-separated (task.*, *)", commaList)
    .addOption(new Option("--method <method>", "HTTP method").choices(["POST", "PUT", "PATCH"] as const))
    .option("--headers <json>", "extra request headers, a JSON object", jsonObject)
    .addOption(new Option("--auth-type <type>", "outbound authentication").choices(AUTH_TYPES))
    .option("--auth-credentials <json>", 'its fields, e.g. {"token":"..."} for bearer', jsonObject)
    .action(async (o) => {
      const body = { name: o.name, url: o.url, events: o.events, method: o.method, headers: o.headers as Record<string, string> | undefined, auth: authOf(o.authType, o.authCredentials) } as components["schemas"]["CreateSubscription"];
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/subscriptions", { body })), SUBSCRIPTION_VIEW);
    });

  program
    .command("webhooks:info")
    .description("Show a subscription")
    .argument("<id>", "subscription id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.GET(SUBSCRIPTION, { params: { path: { id } } })), SUBSCRIPTION_VIEW);
    });

  program
    .command("webhooks:update")
    .description("Change a subscription's name, url, events or status")
    .argument("<id>", "subscription id")
    .option("--name <name>", "new name")
    .option("--url <url>", "new destination url")
    .option("--events <types>", "new event types, comma-separated", commaList)
    .addOption(new Option("--status <status>", "active or inactive").choices(["active", "inactive"] as const))
    .action(async (id, o) => {
      const body = { name: o.name, url: o.url, events: o.events, active: o.status === undefined ? undefined : o.status === "active" };
      if (Object.values(body).every((v) => v === undefined)) throw new UsageError("nothing to update: give --name, --url, --events or --status");
      ctx.print(ctx.unwrap(await ctx.client.PATCH(SUBSCRIPTION, { params: { path: { id } }, body })), SUBSCRIPTION_VIEW);
    });

  program
    .command("webhooks:delete")
    .description("Delete a subscription (asks first unless --force)")
    .argument("<id>", "subscription id")
    .option("--force", "do not ask")
    .action(async (id, o) => {
      if (!o.force && !(await confirm(ctx.io, `Delete subscription ${id}?`))) throw new UsageError("not deleted: confirm, or pass --force");
      ctx.print(ctx.unwrap(await ctx.client.DELETE(SUBSCRIPTION, { params: { path: { id } } })));
    });

  program
    .command("webhooks:test")
    .description("Send a webhook.test event now and show the attempt")
    .argument("<id>", "subscription id")
    .action(async (id) => {
      const data = ctx.unwrap(await ctx.client.POST("/webhooks/v2/subscriptions/{id}/test", { params: { path: { id } } }));
      ctx.print(data, { kind: "record", pick: (d: typeof data) => ({ deliveryId: d.deliveryId, eventId: d.eventId, success: d.success, status: d.status, statusCode: d.attempt?.statusCode, durationMs: d.attempt?.durationMs, error: d.attempt?.error, nextAttemptAt: d.nextAttemptAt }) });
    });

  program
    .command("webhooks:deliveries")
    .description("A subscription's deliveries, newest first")
    .argument("<id>", "subscription id")
    .option("--limit <n>", "at most this many (1-100)", positiveInt, 50)
    .addOption(new Option("--status <status>", "only this status").choices(DELIVERY_STATUSES))
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (id, o) => {
      const query = { limit: o.limit, status: o.status, cursor: o.cursor };
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/subscriptions/{id}/deliveries", { params: { path: { id }, query } })), DELIVERIES_VIEW);
    });

  program
    .command("webhooks:delivery")
    .description("One delivery with every attempt")
    .argument("<id>", "subscription id")
    .argument("<deliveryId>", "delivery id")
    .action(async (id, deliveryId) => {
      const data = ctx.unwrap(await ctx.client.GET("/webhooks/v2/subscriptions/{id}/deliveries/{deliveryId}", { params: { path: { id, deliveryId } } }));
      ctx.print(data, {
        kind: "record",
        pick: ({ attemptLog, ...d }: typeof data) => ({ ...d, attemptLog: attemptLog.flatMap((a) => (a ? [`#${a.attempt} ${a.statusCode ?? a.error ?? "-"} ${a.durationMs}ms ${a.verdict}`] : [])).join("; ") }),
      });
    });

  program
    .command("webhooks:stats")
    .description("A subscription's delivery totals, success rate and latency")
    .argument("<id>", "subscription id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/subscriptions/{id}/stats", { params: { path: { id } } })));
    });

  program
    .command("webhooks:trigger")
    .description("Publish an event (delivered to every matching subscription)")
    .requiredOption("--event <type>", "the event type, e.g. order.created")
    .option("--data <json>", "its data, a JSON object", jsonObject)
    .option("--metadata <json>", "its metadata, a JSON object", jsonObject)
    .action(async (o) => {
      const body = { type: o.event, data: o.data ?? {}, metadata: o.metadata };
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/events", { body })));
    });

  program
    .command("webhooks:retry")
    .description("Deliver one delivery again now")
    .requiredOption("--webhook <id>", "subscription id")
    .requiredOption("--delivery <id>", "delivery id")
    .action(async (o) => {
      const path = { id: o.webhook, deliveryId: o.delivery };
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/subscriptions/{id}/deliveries/{deliveryId}/retry", { params: { path } })));
    });

  for (const action of ["pause", "resume"] as const) {
    program
      .command(`webhooks:${action}`)
      .description(action === "pause" ? "Stop delivering (events are kept)" : "Deliver again, catching up on what was held")
      .argument("<id>", "subscription id")
      .action(async (id) => {
        ctx.print(ctx.unwrap(await ctx.client.POST(`/webhooks/v2/subscriptions/{id}/${action}`, { params: { path: { id } } })), SUBSCRIPTION_VIEW);
      });
  }

  program
    .command("webhooks:rotate-secret")
    .description("New signing secret; the old one keeps signing during the grace period")
    .argument("<id>", "subscription id")
    .option("--grace <seconds>", "how long the old secret keeps signing", nonNegativeInt)
    .action(async (id, o) => {
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/subscriptions/{id}/rotate-secret", { params: { path: { id } }, body: { gracePeriodSeconds: o.grace } })));
    });
}
