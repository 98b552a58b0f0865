/** The OpenAPI 3.1 `webhooks` section: one outbound operation per event type of the catalogue. */
import { z } from "@hono/zod-openapi";
import type { EventTypeInfo } from "./catalogue";

/** The headers on every delivery attempt (docs/API.md, "Outbound signatures"). */
const DELIVERY_HEADERS = z.object({
  "webhook-id": z.string().openapi({ description: "The event id (evt-…), stable across retries", example: "evt-0Lq3ZkT9xQ2mV7pL1aZc" }),
  "webhook-timestamp": z.string().openapi({ description: "Unix seconds of this attempt", example: "1796895000" }),
  "webhook-signature": z.string().openapi({
    description: "Standard Webhooks: `v1,<base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\">`, space-separated while a rotated secret is in grace",
    example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }),
  "X-Webhook-ID": z.string().openapi({ description: "The event id", example: "evt-0Lq3ZkT9xQ2mV7pL1aZc" }),
  "X-Webhook-Event": z.string().openapi({ description: "The event type", example: "task.created" }),
  "X-Webhook-Timestamp": z.string().openapi({ description: "Unix milliseconds of this attempt", example: "1796895000123" }),
  "X-Webhook-Signature": z.string().openapi({ description: "`sha256=<hex HMAC-SHA256 of \"{X-Webhook-Timestamp}.{body}\">`, comma-separated during grace", example: "sha256=9f2c…" }),
  "X-Webhook-Attempt": z.string().openapi({ description: "1 for the first attempt", example: "1" }),
});

const IS_PATTERN = (type: string) => type.endsWith(".*");

/** The wire event body delivered for one catalogue entry. */
function eventBody(info: EventTypeInfo) {
  const type = IS_PATTERN(info.type)
    ? z.string().regex(new RegExp(`^${info.type.slice(0, -2).replace(/\./g, "\\.")}\\.`)).openapi({ description: `${info.type.slice(0, -1)}<provider event type>` })
    : z.literal(info.type);
  const example = { id: "evt-0Lq3ZkT9xQ2mV7pL1aZc", type: IS_PATTERN(info.type) ? `${info.type.slice(0, -1)}example` : info.type, timestamp: "2026-12-13T09:30:00.000Z", data: info.example, metadata: { requestId: "req-Ab3dE5gH7jK9" } };
  return z
    .object({
      id: z.string().openapi({ description: "Event id (evt-…), sortable in publish order" }),
      type,
      timestamp: z.string().openapi({ description: "ISO-8601 UTC of publication" }),
      data: z.record(z.string(), z.unknown()).openapi({ example: info.example }),
      metadata: z.record(z.string(), z.unknown()).optional(),
    })
    .openapi({ example });
}

/** A registry that takes webhooks (an OpenAPIHono app's). */
export interface WebhookRegistry {
  registerWebhook(webhook: Record<string, unknown>): void;
}

/** Registers one `webhooks` entry per catalogue type, keyed by the type (`task.created`, `github.*`). */
export function registerEventWebhooks(registry: WebhookRegistry, catalogue: readonly EventTypeInfo[]): void {
  for (const info of catalogue) {
    registry.registerWebhook({
      method: "post",
      path: info.type,
      operationId: `event${info.type.replace(/\*$/, "any").split(/[^A-Za-z0-9]+/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("")}`,
      summary: info.type,
      description: `${info.description} Delivered to every subscription whose events match, as the body below (or the subscription's template), signed as the headers describe.`,
      tags: ["Events delivered"],
      security: [],
      request: { headers: DELIVERY_HEADERS, body: { required: true, content: { "application/json": { schema: eventBody(info) } } } },
      responses: {
        200: { description: "Any 2xx within the timeout acknowledges the delivery" },
        410: { description: "Gone: the subscription is disabled" },
        500: { description: "5xx, 408, 425, 429 (Retry-After honoured) and network errors are retried; other 4xx are not" },
      },
    });
  }
}
