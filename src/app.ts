/** Builds the Hono app: middleware order, route mounting, and the OpenAPI document. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { methodNotAllowed } from "hono/method-not-allowed";
import { actionRoutes } from "./actions/routes";
import { SECURITY_SCHEMES, securityOf } from "./auth/openapi-security";
import { tokenRoutes } from "./auth/routes";
import { tenantRoutes } from "./tenants/routes";
import { ruleRoutes, runRoutes } from "./automation";
import { dashboardRoutes } from "./dashboard";
import { channelRoutes, deliveryRoutes, destinationRoutes, endpointRoutes, subscriptionRoutes } from "./delivery/api";
import type { EngineFactory } from "./delivery/engine";
import { engineContext } from "./effects";
import { getConfig } from "./config";
import type { AppEnv } from "./http/context";
import { edgeMiddleware } from "./http/edge";
import { handleError, handleNotFound } from "./http/error-handler";
import { AppError } from "./http/errors";
import { completeOperations } from "./http/openapi";
import { EVENT_CATALOGUE } from "./events/catalogue";
import { registerEventWebhooks } from "./events/webhooks-doc";
import { requestId } from "./http/request-id";
import { schemaError } from "./http/validation";
import { inspectorRoutes } from "./inspector/routes";
import { integrationRoutes } from "./integrations/routes";
import { auditRoutes } from "./ops/audit-routes";
import { metricsRoutes } from "./ops/metrics-routes";
import { opsMiddleware } from "./ops/middleware";
import { streamRoutes } from "./stream/routes";
import { VERSION } from "./lib/version";
import { opsRoutes } from "./ops/routes";
import { sourceRoutes } from "./sources/routes";

export const BASE_PATH = "/webhooks/v2";
export { VERSION };

/**
 * The pinned Scalar API reference bundle the docs page loads from jsDelivr (the page is HTML
 * around it; the OpenAPI document itself is served by the Worker). See docs/decisions.md.
 */
export const DOCS_UI_CDN = "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.72.1";

/** Every route mounted under the base path shares this validation hook. */
function routeGroup() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw schemaError(result.error, result.target);
    },
  });
}

/** Options of createApp. */
export interface AppOptions {
  /** The delivery engine with its effects (the Worker entry passes its own). */
  engine?: EngineFactory;
}

/** Creates the gateway app. Order: request id → config → ops (stats, metrics, log) → CORS → IP allowlist → body limit → routes. */
export function createApp(options: AppOptions = {}) {
  const engine = options.engine ?? engineContext;
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", requestId);
  app.use("*", async (c, next) => {
    c.set("config", getConfig(c.env));
    c.set("engine", engine);
    await next();
  });
  app.use("*", opsMiddleware);
  app.use("*", (c, next) => edgeMiddleware(c.get("config")).cors(c, next));
  app.use("*", (c, next) => edgeMiddleware(c.get("config")).ipAllowlist(c, next));
  app.use("*", (c, next) => edgeMiddleware(c.get("config")).bodyLimit(c, next));
  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(c.get("rateLimitHeaders") ?? {})) c.res.headers.set(k, v);
  });
  app.use(
    "*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (_c, methods) => {
        throw new AppError("METHOD_NOT_ALLOWED", `Method not allowed; use ${methods.join(", ")}`, {
          headers: { Allow: methods.join(", ") },
          details: { allow: methods },
        });
      },
    }),
  );

  const v2 = routeGroup();
  v2.route("/", opsRoutes);
  v2.route("/", metricsRoutes);
  v2.route("/", auditRoutes);
  v2.route("/", tokenRoutes);
  v2.route("/", tenantRoutes);
  v2.route("/", actionRoutes);
  v2.route("/", sourceRoutes);
  v2.route("/", streamRoutes);
  v2.route("/", subscriptionRoutes);
  v2.route("/", endpointRoutes);
  v2.route("/", deliveryRoutes);
  v2.route("/", channelRoutes);
  v2.route("/", ruleRoutes);
  v2.route("/", runRoutes);
  v2.route("/", destinationRoutes);
  v2.route("/", integrationRoutes);
  v2.route("/", inspectorRoutes);
  app.route(BASE_PATH, v2);
  // The dashboard's pages call this app's own API in-process (src/dashboard/api-client.ts).
  app.route(`${BASE_PATH}/dashboard`, dashboardRoutes((request, env, ctx) => app.fetch(request, env, ctx)));

  // Every operation gets an operationId and security even when its route sets none; every
  // catalogue event type is an outbound `webhooks` entry.
  completeOperations(app, { securityOf, basePath: BASE_PATH });
  registerEventWebhooks(app.openAPIRegistry, EVENT_CATALOGUE);
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  app.doc31(`${BASE_PATH}/openapi.json`, {
    openapi: "3.1.0",
    info: {
      title: "edgehook",
      version: VERSION,
      description: "Edge-native webhook gateway (wire contract v2). Outbound deliveries are under `webhooks`.",
    },
    servers: [{ url: "/", description: "This gateway" }],
  });
  app.get(`${BASE_PATH}/docs`, Scalar({ url: `${BASE_PATH}/openapi.json`, pageTitle: "edgehook API", cdn: DOCS_UI_CDN }));
  app.onError(handleError);
  app.notFound(handleNotFound);
  return app;
}
