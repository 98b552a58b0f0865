/** GET /events: the live event stream (SSE) with filter, `since` and `Last-Event-ID` replay. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES } from "../http/openapi";
import type { StreamCursor } from "./catch-up";
import { replayRefusal } from "./caps";
import { openHubStream } from "./hub-client";
import { takeStreamSlot } from "./stream-lease";
import { isEventId, parseFilter, parseSince } from "./params";
import { SSE_HEADERS } from "./sse";

const STREAM_QUERY = z.object({
  filter: z
    .string()
    .max(2100)
    .optional()
    .superRefine((value, ctx) => {
      const parsed = parseFilter(value);
      if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.reason });
    })
    .openapi({ description: "Comma-separated event types, type prefixes (`task`), `prefix.*` or `*`", example: "task,notify.sent" }),
  since: z
    .string()
    .optional()
    .refine((value) => value === undefined || parseSince(value, 0) !== null, "must be an ISO-8601 date-time or a duration like 30s, 15m, 1h, 1d")
    .openapi({ description: "Replay stored events from this time: ISO-8601 or a duration back from now (30s, 15m, 1h, 1d)", example: "15m" }),
  api_key: z.string().optional().openapi({ description: "The token, for clients that cannot set headers (browser EventSource)" }),
});

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
    summary: "Live event stream (Server-Sent Events) with replay",
    description:
      "Each event is `id: <event id>`, `event: <type>`, `data: <the outbound delivery body>`. Replays stored events after `Last-Event-ID` or from `since`, then goes live without gaps or duplicates. Sends `retry:` once and a `: ping` comment at least every 15 s.",
    middleware: protect("events"),
    request: { query: STREAM_QUERY, headers: STREAM_HEADERS },
    responses: {
      200: { description: "The event stream", content: { "text/event-stream": { schema: z.string() } } },
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    const { filter, since } = c.req.valid("query");
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
    const hub = await openHubStream(c.env, { patterns: patterns.ok ? patterns.patterns : [], cursor }).catch((error: unknown) => {
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
