/** Helpers that keep route definitions short: request bodies, envelope response schemas, strict mode. */
import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { schemaError } from "./validation";

/** A required JSON request body validated by `schema`. */
export function jsonRequest<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

const META = z.object({ requestId: z.string(), processingTime: z.number(), apiVersion: z.literal("2.0") });

/** The success envelope schema around `data`. */
export function envelopeOf<T extends z.ZodType>(data: T, description: string) {
  return {
    description,
    content: {
      "application/json": {
        schema: z.object({ success: z.literal(true), data, meta: META, links: z.record(z.string(), z.string()).optional() }),
      },
    },
  } as const;
}

/** The error envelope schema. */
export const ERROR_ENVELOPE = z
  .object({
    success: z.literal(false),
    error: z.string(),
    code: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string(),
    timestamp: z.string(),
    retryable: z.boolean(),
    retryAfter: z.number().optional(),
  })
  .openapi("Error");

/** An OpenAPI response entry whose body is the error envelope. */
export const errorResponseDoc = (description: string) => ({ description, content: { "application/json": { schema: ERROR_ENVELOPE } } });

/** Error responses shared by authenticated JSON routes, for the OpenAPI document. */
export const ERROR_RESPONSES = {
  400: errorResponseDoc("INVALID_JSON or SCHEMA_VALIDATION_ERROR"),
  401: errorResponseDoc("UNAUTHORIZED"),
  403: errorResponseDoc("FORBIDDEN or IP_NOT_ALLOWED"),
  404: errorResponseDoc("NOT_FOUND"),
  409: errorResponseDoc("IDEMPOTENCY_CONFLICT (Idempotency-Key reused for a different request, or still in progress)"),
  413: errorResponseDoc("PAYLOAD_TOO_LARGE"),
  415: errorResponseDoc("UNSUPPORTED_MEDIA_TYPE"),
  429: errorResponseDoc("RATE_LIMITED"),
  503: errorResponseDoc("SERVICE_UNAVAILABLE"),
} as const;

const strictVariants = new WeakMap<z.ZodObject, z.ZodType>();

/**
 * In strict mode (STRICT_SCHEMAS=true) rejects bodies with fields the schema does not name; by
 * default unknown fields are dropped, which is what integrations adding new fields expect.
 */
export function strictFields(schema: z.ZodObject): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get("config").strictSchemas) {
      let strict = strictVariants.get(schema);
      if (!strict) strictVariants.set(schema, (strict = schema.strict()));
      const result = strict.safeParse(await c.req.json());
      const unknown = result.success ? [] : result.error.issues.filter((i) => i.code === "unrecognized_keys");
      if (!result.success && unknown.length) throw schemaError(new z.ZodError(unknown), "json");
    }
    await next();
  };
}
