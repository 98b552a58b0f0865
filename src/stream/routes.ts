/** GET /events by Accept: the live event stream (SSE, with filter, `since` and `Last-Event-ID` replay) or the event log (JSON); GET /events/:id. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { getEventWithDeliveries, queryEventLog } from "../events/log";
import { toWireEvent } from "../events/store";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { envelopeOf, ERROR_RESPONSES } from "../http/openapi";
import { tenantDb } from "../tenants/context";
import type { StreamCursor } from "./catch-up";
import { replayRefusal } from "./caps";
import { openHubStream } from "./hub-client";
import { takeStreamSlot } from "./stream-lease";
import { isEventId, parseFilter, parseSince } from "./params";
import { SSE_HEADERS } from "./sse";

/** A comma-separated list of event type patterns (`filter`, `type`), checked by parseFilter. */
const typePatterns = () =>
  z
    .string()
    .max(2100)
    .optional()
    .superRefine((value, ctx) => {
      const parsed = parseFilter(value);
      if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.reason });
    });

/** A point in time (`since`, `until`): ISO-8601 or a duration back from now, checked by parseSince. */
const pointInTime = () =>
  z
    .string()
    .optional()
    .refine((value) => value === undefined || parseSince(value, 0) !== null, "must be an ISO-8601 date-time or a duration like 30s, 15m, 1h, 1d");

const STREAM_QUERY = z.object({
  filter: typePatterns().openapi({ description: "Comma-separated event types, type prefixes (`task`), `prefix.*` or `*`", example: "task,notify.sent" }),
  since: pointInTime().openapi({ description: "Replay stored events from this time: ISO-8601 or a duration back from now (30s, 15m, 1h, 1d)", example: "15m" }),
  api_key: z.string().optional().openapi({ description: "The token, for clients that cannot set headers (browser EventSource)" }),
  type: typePatterns().openapi({ description: "Event log (JSON) only: type patterns, comma-separated, as `filter`", example: "task.*,notify.sent" }),
  until: pointInTime().openapi({ description: "Event log (JSON) only: events created at or before this time" }),
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ description: "Event log (JSON) only: events per page (1..100)" }),
  cursor: z
    .string()
    .optional()
    .refine((value) => value === undefined || isEventId(value), "must be a nextCursor from a previous page")
    .openapi({ description: "Event log (JSON) only: the previous page's nextCursor" }),
});

const WIRE_EVENT = z
  .object({
    id: z.string(),
    type: z.string(),
    timestamp: z.string(),
    data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()).optional(),
    tenantId: z.string().openapi({ description: "The tenant the event belongs to", example: "default" }),
  })
  .openapi("WireEvent");
const EVENT_LOG_PAGE = z.object({ events: z.array(WIRE_EVENT), nextCursor: z.string().nullable() }).openapi("EventLogPage");
const EVENT_DETAIL = WIRE_EVENT.extend({
  deliveries: z.array(z.object({ id: z.string(), subscriptionId: z.string(), status: z.string(), attempts: z.number().int() })),
}).openapi("EventDetail");

const STREAM_HEADERS = z.object({
  "last-event-id": z
    .string()
    .optional()
    .refine((value) => value === undefined || value === "" || isEventId(value), "must be an event id (evt-…) received on this stream")
    .openapi({ description: "Resume after this event (sent by EventSource on reconnect); wins over `since`" }),
});

/** The event stream route, mounted under the base path. */
export const streamRoutes = new OpenAPIHono<AppEnv>();

streamRoutes.openapi(
  createRoute({
    method: "get",
    path: "/events",
    tags: ["Events"],
    summary: "Live event stream (Server-Sent Events) with replay, or the event log as JSON",
    description:
      "With `Accept: text/event-stream`: each event is `id: <event id>`, `event: <type>`, `data: <the outbound delivery body>`. Replays stored events after `Last-Event-ID` or from `since`, then goes live without gaps or duplicates. Sends `retry:` once and a `: ping` comment at least every 15 s. Otherwise: the stored events as JSON, newest first, filtered by `type`, `since`, `until`, a page of `limit` at a time (`cursor` = the previous page's `nextCursor`; a page also ends once its events hold 8 MB of data).",
    middleware: protect("events"),
    request: { query: STREAM_QUERY, headers: STREAM_HEADERS },
    responses: {
      200: { description: "The event stream, or a page of the event log", content: { "text/event-stream": { schema: z.string() }, "application/json": { schema: envelopeOf(EVENT_LOG_PAGE, "").content["application/json"].schema } } },
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    const { filter, since, type, until, limit, cursor: before } = c.req.valid("query");
    if (!(c.req.header("Accept") ?? "").includes("text/event-stream")) {
      const now = Date.now();
      const types = parseFilter(type);
      const page = await queryEventLog(c.env, tenantDb(c), {
        patterns: types.ok ? types.patterns : [],
        ...(since !== undefined ? { sinceMs: parseSince(since, now)! } : {}),
        ...(until !== undefined ? { untilMs: parseSince(until, now)! } : {}),
        ...(before ? { beforeId: before } : {}),
        limit,
      });
      return ok(c, { events: page.events.map(toWireEvent), nextCursor: page.nextCursor }, 200);
    }
    const lastEventId = c.req.valid("header")["last-event-id"];
    const patterns = parseFilter(filter);
    let cursor: StreamCursor = { kind: "live" };
    if (lastEventId) cursor = { kind: "after", id: lastEventId };
    else if (since !== undefined) cursor = { kind: "since", sinceMs: parseSince(since, Date.now())! };
    const { stream: limits } = c.get("config");
    const tooOld = replayRefusal(cursor, Date.now(), limits.maxReplayMs);
    if (tooOld) {
      throw new AppError("SCHEMA_VALIDATION_ERROR", `Invalid ${tooOld.field}: ${tooOld.message}`, { details: { ...tooOld.details, issues: [{ field: tooOld.field, reason: tooOld.details.reason }] } });
    }
    const principal = c.get("principal");
    const slot = principal.kind === "admin" ? null : await takeStreamSlot(c.env, { tokenId: principal.tokenId, max: limits.maxPerToken });
    const hub = await openHubStream(c.env, { patterns: patterns.ok ? patterns.patterns : [], tenantId: principal.tenantId, cursor }).catch((error: unknown) => {
      void slot?.release();
      throw new AppError("SERVICE_UNAVAILABLE", "The event hub is unavailable; retry shortly", { retryAfter: 3, cause: error });
    });
    if (hub.status !== 200 || !hub.body) {
      void slot?.release();
      throw new AppError("SERVICE_UNAVAILABLE", "The event hub refused the stream; retry shortly", { retryAfter: 3 });
    }
    const body = slot ? slot.hold(hub.body, (p) => c.executionCtx.waitUntil(p)) : hub.body;
    // A fresh Response: the hub's headers are immutable, and middleware adds its own.
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  },
);

streamRoutes.openapi(
  createRoute({
    method: "get",
    path: "/events/{id}",
    tags: ["Events"],
    summary: "One stored event with its deliveries",
    middleware: protect("events"),
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: envelopeOf(EVENT_DETAIL, "The wire event and its deliveries"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const found = isEventId(id) ? await getEventWithDeliveries(c.env, tenantDb(c), id) : null;
    if (!found) throw new AppError("NOT_FOUND", `Event ${id} not found`);
    return ok(c, { ...toWireEvent(found.event), deliveries: found.deliveries }, 200);
  },
);
