/** GET /destinations: the destination types a subscription may use and the queue names bound to this gateway. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { protect } from "../../guard";
import type { AppEnv } from "../../http/context";
import { ok } from "../../http/envelope";
import { ERROR_RESPONSES, envelopeOf } from "../../http/openapi";
import { availableQueues } from "../destinations/queue";
import { DESTINATIONS } from "../destinations/registry";

/** The destinations route, mounted under the base path. */
export const destinationRoutes = new OpenAPIHono<AppEnv>();

destinationRoutes.openapi(
  createRoute({
    method: "get",
    path: "/destinations",
    tags: ["Subscriptions"],
    summary: "Destination types, and the queue names a queue destination may use (DESTINATION_QUEUES, bound)",
    middleware: protect("subscriptions"),
    responses: {
      200: envelopeOf(z.object({ types: z.array(z.object({ type: z.string(), description: z.string() })), queues: z.array(z.string()) }), "Destination types and queues"),
      ...ERROR_RESPONSES,
    },
  }),
  (c) =>
    ok(c, {
      types: DESTINATIONS.map((d) => ({ type: d.type, description: d.description })),
      queues: availableQueues(c.get("config"), c.env),
    }),
);
