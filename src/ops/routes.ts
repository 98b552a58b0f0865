/** Operations routes: GET /health (no auth) and GET /status. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { authenticate } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { rateLimitStanding } from "../limits/middleware";
import { iso, isoOrNull } from "../lib/time";
import { ERROR_RESPONSES, envelopeOf } from "../http/openapi";
import { healthChecks, overallHealth } from "./health";
import { readMetrics } from "./metrics";
import { endpointTotals } from "./metrics-render";
import { endpointStatus, REQUEST_STATS, tenantRequestStats } from "./request-stats";

const CHECK = z.object({ status: z.enum(["ok", "error"]), latencyMs: z.number(), error: z.string().optional() });
const HEALTH = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy"]),
    timestamp: z.string(),
    uptime: z.number(),
    checks: z.object({ database: CHECK, queue: CHECK, durableObjects: CHECK }),
  })
  .openapi("Health");

/** Health and status routes. */
export const opsRoutes = new OpenAPIHono<AppEnv>();

opsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/health",
    tags: ["Operations"],
    summary: "Liveness with D1, queue and Durable Object checks (no auth)",
    responses: { 200: envelopeOf(HEALTH, "Healthy or degraded"), 503: envelopeOf(HEALTH, "Unhealthy") },
  }),
  async (c) => {
    const checks = await healthChecks(c.env);
    const status = overallHealth(checks);
    const body = { status, timestamp: iso(Date.now()), uptime: Math.round((Date.now() - REQUEST_STATS.startedAt) / 1000), checks };
    return ok(c, body, status === "unhealthy" ? 503 : 200);
  },
);

opsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/status",
    tags: ["Operations"],
    summary: "Uptime, request counts and per-endpoint response times (this isolate, and across isolates in `aggregate`)",
    middleware: [authenticate],
    responses: {
      200: envelopeOf(
        z.object({
          uptime: z.number(),
          tenantId: z.string().nullable().openapi({ description: "The tenant whose requests are counted (null: the whole gateway, for the admin without X-Tenant-ID)" }),
          requestCount: z.number(),
          endpoints: z.record(z.string(), z.object({ count: z.number(), errors: z.number(), avgResponseMs: z.number(), status: z.string() })),
          rateLimit: z.record(z.string(), z.string()).nullable(),
          scope: z.literal("isolate"),
          aggregate: z
            .object({
              since: z.string().nullable(),
              requestCount: z.number(),
              endpoints: z.record(z.string(), z.object({ count: z.number(), errors: z.number(), avgResponseMs: z.number(), status: z.string() })),
            })
            .nullable()
            .openapi({ description: "Every isolate's figures from the Metrics Durable Object; null when it cannot be read" }),
        }),
        "Status",
      ),
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    // A tenant's caller sees its tenant's requests only; the admin without X-Tenant-ID the gateway's.
    const tenantId = c.get("principal").tenantId;
    const stats = tenantId === null ? REQUEST_STATS : tenantRequestStats(tenantId);
    const [rateLimit, aggregate] = await Promise.all([rateLimitStanding(c), aggregateStatus(c.env, tenantId)]);
    return ok(c, {
      uptime: Math.round((Date.now() - REQUEST_STATS.startedAt) / 1000),
      tenantId,
      requestCount: stats.total,
      endpoints: stats.snapshot(),
      rateLimit,
      scope: "isolate" as const,
      aggregate,
    });
  },
);

/** Per-endpoint counts and mean response times across isolates (the gateway's, or one tenant's), or null when the Metrics DO fails. */
async function aggregateStatus(env: Env, tenantId: string | null) {
  try {
    const totals = await readMetrics(env, 1, tenantId);
    const endpoints: Record<string, { count: number; errors: number; avgResponseMs: number; status: string }> = {};
    let requestCount = 0;
    for (const e of endpointTotals(totals.snapshot)) {
      requestCount += e.histogram.count;
      const avgResponseMs = e.histogram.count ? Math.round((e.histogram.sumMs / e.histogram.count) * 100) / 100 : 0;
      endpoints[e.route] = { count: e.histogram.count, errors: e.serverErrors, avgResponseMs, status: endpointStatus(e.serverErrors, e.histogram.count) };
    }
    return { since: isoOrNull(totals.since), requestCount, endpoints };
  } catch (error) {
    console.warn(JSON.stringify({ level: "warn", msg: "status: metrics unavailable", error: String(error) }));
    return null;
  }
}
