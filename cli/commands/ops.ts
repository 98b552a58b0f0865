/** Operations: `health`, `status`, `metrics`, `audit:list`, `queue:stats`, `queue:retry-failed`. */
import type { Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { positiveInt } from "../lib/args.js";
import { apiErrorOf, type CommandContext } from "../lib/context.js";
import { ApiError } from "../lib/errors.js";
import type { TableView } from "../output/format.js";
import { shortTime } from "../output/table.js";

type AuditRecord = components["schemas"]["AuditRecord"];

const AUDIT_VIEW: TableView<{ items: AuditRecord[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "time", value: (a: AuditRecord) => shortTime(a.createdAt) },
    { header: "action", value: (a: AuditRecord) => a.action },
    { header: "actor", value: (a: AuditRecord) => a.actorTokenId, flex: true },
    { header: "target", value: (a: AuditRecord) => `${a.target.type}:${a.target.id ?? "-"}`, flex: true },
  ],
};

/** Registers the operations commands. */
export function registerOps(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("health")
    .description("The gateway's health (no token needed); exits 1 when unhealthy")
    .action(async () => {
      const result = await ctx.client.GET("/webhooks/v2/health");
      // 503 (unhealthy) still carries the health report in a success envelope.
      const body = (result.data ?? result.error) as { success?: boolean; data?: unknown } | undefined;
      if (body?.success !== true) throw apiErrorOf(result.error, result.response);
      ctx.print(body.data);
      if (!result.response.ok) throw new ApiError("The gateway is unhealthy", "SERVICE_UNAVAILABLE", result.response.status);
    });

  program
    .command("status")
    .description("Uptime, request counts, per-endpoint status, your rate-limit budget")
    .action(async () => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/status")));
    });

  program
    .command("metrics")
    .description("Request, latency, error and delivery metrics (JSON)")
    .action(async () => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/metrics", { headers: { Accept: "application/json" } })));
    });

  program
    .command("audit:list")
    .description("The audit trail of admin actions, newest first")
    .option("--action <action>", "an action (token.update) or family (token.*)")
    .option("--actor <tokenId>", "the acting token id (admin for ADMIN_TOKEN)")
    .option("--since <iso>", "rows at or after")
    .option("--limit <n>", "at most this many", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (o) => {
      const query = { action: o.action, actor: o.actor, since: o.since, limit: o.limit, cursor: o.cursor };
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/audit", { params: { query } })), AUDIT_VIEW);
    });

  program
    .command("queue:stats")
    .description("Delivery queue and dead-letter figures")
    .action(async () => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/queue/stats")));
    });

  program
    .command("queue:retry-failed")
    .description("Deliver dead-lettered (failed) deliveries again")
    .option("--webhook <id>", "only this subscription's")
    .option("--limit <n>", "at most this many (default 1000)", positiveInt)
    .action(async (o) => {
      const body = { subscriptionId: o.webhook, limit: o.limit } as components["schemas"]["RetryFailed"];
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/queue/retry-failed", { body })));
    });
}
