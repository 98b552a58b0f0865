/** The `queue` destination: the body goes to a Cloudflare Queue the Worker is bound to (DESTINATION_QUEUES). */
import { z } from "@hono/zod-openapi";
import type { Config } from "../../config";
import { notSent, type Destination } from "./types";

/** The queue destination's config. */
export interface QueueConfig {
  type: "queue";
  queue: string;
}

/** The largest message a Cloudflare Queue accepts (128 KB). */
export const QUEUE_MESSAGE_LIMIT = 128_000;

/** The producer binding of a named queue, or null when DESTINATION_QUEUES does not list it or it is not bound. */
function queueBinding(gateway: Config, env: Env, name: string): Queue | null {
  const binding = Object.hasOwn(gateway.delivery.queues, name) ? gateway.delivery.queues[name]! : null;
  const queue = binding ? (env as unknown as Record<string, unknown>)[binding] : undefined;
  return queue && typeof (queue as Queue).send === "function" ? (queue as Queue) : null;
}

/** The queue names subscriptions may use: listed in DESTINATION_QUEUES and bound. */
export function availableQueues(gateway: Config, env: Env): string[] {
  return Object.keys(gateway.delivery.queues).filter((name) => queueBinding(gateway, env, name) !== null).sort();
}

/** Sends the body as one message (JSON, or text for a form template); the queue's own consumer takes it from there. */
export const queueDestination: Destination<QueueConfig> = {
  type: "queue",
  description: "A Cloudflare Queue the gateway is bound to: one JSON message per event",
  configSchema: z.object({ type: z.literal("queue"), queue: z.string().min(1).max(63) }),
  validate(config, ctx) {
    if (queueBinding(ctx.gateway, ctx.env, config.queue)) return { ok: true };
    return { ok: false, field: "queue", reason: `unknown queue "${config.queue}"; GET /destinations lists the available ones` };
  },
  async send(message, ctx) {
    const started = Date.now();
    const queue = queueBinding(ctx.gateway, ctx.env, ctx.destination.queue);
    if (!queue) return notSent(`queue "${ctx.destination.queue}" is not bound to this gateway`, "fail", started);
    const bytes = new TextEncoder().encode(message.body).byteLength;
    if (bytes > QUEUE_MESSAGE_LIMIT) return notSent(`the body (${bytes} bytes) is larger than a queue message may be (${QUEUE_MESSAGE_LIMIT})`, "fail", started);
    try {
      const json = (message.contentType ?? "application/json") === "application/json";
      await queue.send(json ? JSON.parse(message.body) : message.body, { contentType: json ? "json" : "text" });
      const finishedAt = Date.now();
      return { statusCode: null, durationMs: finishedAt - started, responseBody: null, error: null, verdict: "success", retryAfterMs: null, finishedAt };
    } catch (error) {
      return notSent(`queue send failed: ${error instanceof Error ? error.message : String(error)}`, "retry", started);
    }
  },
};
