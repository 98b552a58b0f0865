/** GET /metrics (scope admin): cross-isolate totals as JSON or in the Prometheus text format; a tenant's caller sees its tenant's series. */
import { queueStats } from "../delivery/store/deliveries";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { ERROR_RESPONSES, envelopeOf } from "../http/openapi";
import { tenantDb } from "../tenants/context";
import { readMetrics } from "./metrics";
import { metricsJson, prometheusText, PROMETHEUS_CONTENT_TYPE, wantsPrometheus, type MetricsView } from "./metrics-render";

const LATENCY = z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable(), avg: z.number().nullable() });
const COUNTS = z.record(z.string(), z.number());
const METRICS = z
  .object({
    window: z.object({ since: z.string().nullable(), updatedAt: z.string().nullable(), generatedAt: z.string() }),
    requests: z.object({
      total: z.number(),
      latencyMs: LATENCY,
      byEndpoint: z.record(z.string(), z.object({ count: z.number(), byStatus: COUNTS, errors: z.number(), errorRate: z.number(), latencyMs: LATENCY })),
    }),
    errors: z.object({ total: z.number(), rate: z.number(), byStatus: COUNTS }),
    rateLimit: z.object({
      violations: z.number(),
      byLevel: COUNTS,
      byEndpoint: z.record(z.string(), COUNTS),
      topTokens: z.array(z.object({ tokenId: z.string(), violations: z.number() })),
    }),
    topTokens: z.array(z.object({ tokenId: z.string(), requests: z.number() })),
    topSourceIps: z.array(z.object({ ip: z.string(), requests: z.number() })),
    deliveries: z.object({
      total: z.number().openapi({ description: "Delivery attempts that ended (success + failed + retried)" }),
      byOutcome: COUNTS,
      successRate: z.number().nullable().openapi({ description: "success / (success + failed): the share of finished deliveries that succeeded, as in /subscriptions/:id/stats; null before any finished" }),
      latencyMs: LATENCY,
    }),
    queue: z.object({ depth: z.number().nullable(), deadLetter: z.number().nullable() }),
  })
  .openapi("Metrics");

const QUERY = z.object({
  format: z.enum(["json", "prometheus"]).optional(),
  top: z.coerce.number().int().min(1).max(100).default(10),
});


/** The metrics route. */
export const metricsRoutes = new OpenAPIHono<AppEnv>();

metricsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    tags: ["Operations"],
    summary: "Request, error, rate-limit and delivery metrics across isolates (JSON, or Prometheus text with Accept: text/plain)",
    // "metrics": a read-only scope for scrapers (admin tokens have it too).
    middleware: protect("metrics"),
    request: { query: QUERY },
    responses: {
      200: {
        ...envelopeOf(METRICS, "Metrics as JSON, or the Prometheus text exposition format"),
        content: { ...envelopeOf(METRICS, "").content, "text/plain": { schema: z.string() } },
      },
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    const { format, top } = c.req.valid("query");
    const now = Date.now();
    // A tenant's caller (or the admin with X-Tenant-ID) reads its tenant's series and queue; the admin alone, the gateway's.
    const db = tenantDb(c);
    const [totals, outbox] = await Promise.all([readMetrics(c.env, top, db.tenantId), queueStats(db, now, c.get("config").delivery.sweepGraceMs)]);
    // Depth counts every delivery not yet finished: due, scheduled for retry, in flight or held by a pause.
    const queue = { depth: outbox.inFlight + outbox.held, deadLetter: outbox.deadLetter.count };
    const view: MetricsView = { ...totals, generatedAt: now, top, queue };
    if (wantsPrometheus(c.req.header("Accept"), format)) {
      return c.text(prometheusText(view), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
    }
    return ok(c, metricsJson(view));
  },
);
