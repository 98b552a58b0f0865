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
  409: errorResponseDoc("IDEMPOTENCY_CONFLICT (Idempotency-Key reused for a different request, or still in progress) or CONFLICT (the resource exists, or still holds others)"),
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

/**
 * An operationId from method and path: `get /subscriptions/{id}/deliveries` →
 * `getSubscriptionsByIdDeliveries`. Unique because a method and path name one operation.
 */
export function deriveOperationId(method: string, path: string, basePath = ""): string {
  const words = path
    .slice(path.startsWith(basePath) ? basePath.length : 0)
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? `By-${param[1]}` : segment;
    })
    .join("-")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join("");
}

/** A registered route as the OpenAPI registry keeps it (the fields this module completes). */
interface RegisteredRoute {
  method: string;
  path: string;
  operationId?: string;
  security?: Record<string, string[]>[];
}

/** What completeOperations needs of an OpenAPIHono app: its Hono routes and its registry. */
export interface DocumentedApp {
  routes: { method: string; path: string; handler: Function }[];
  openAPIRegistry: { definitions: readonly unknown[] };
}

/** Options for completeOperations. */
export interface CompleteOperationsOptions {
  /** The security requirement of an operation, from the handlers its route runs. */
  securityOf: (handlers: readonly Function[]) => Record<string, string[]>[];
  /** Stripped from paths when deriving operationIds. */
  basePath?: string;
}

/**
 * Gives every documented operation that sets none an operationId (derived from method and path)
 * and a `security` requirement (from the middleware its route runs), so routes added anywhere are
 * documented completely without touching them. Call once, after every route is mounted.
 */
export function completeOperations(app: DocumentedApp, options: CompleteOperationsOptions): void {
  for (const definition of app.openAPIRegistry.definitions as { type: string; route?: RegisteredRoute }[]) {
    const route = definition.type === "route" ? definition.route : undefined;
    if (!route) continue;
    const honoPath = route.path.replace(/\{([^}]+)\}/g, ":$1");
    const method = route.method.toUpperCase();
    const handlers = app.routes.filter((r) => r.path === honoPath && (r.method === method || r.method === "ALL")).map((r) => r.handler);
    route.operationId ??= deriveOperationId(route.method, route.path, options.basePath);
    route.security ??= options.securityOf(handlers);
  }
}
