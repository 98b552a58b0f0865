/** Builds the Hono app: middleware order, route mounting, and the OpenAPI document. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import { actionRoutes } from "./actions/routes";
import { tokenRoutes } from "./auth/routes";
import { channelRoutes, deliveryRoutes, destinationRoutes, subscriptionRoutes } from "./delivery/api";
import type { EngineFactory } from "./delivery/engine";
import { engineContext } from "./effects";
import { getConfig } from "./config";
import type { AppEnv } from "./http/context";
import { edgeMiddleware } from "./http/edge";
import { handleError, handleNotFound } from "./http/error-handler";
import { AppError } from "./http/errors";
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
  v2.route("/", actionRoutes);
  v2.route("/", sourceRoutes);
  v2.route("/", streamRoutes);
  v2.route("/", subscriptionRoutes);
  v2.route("/", deliveryRoutes);
  v2.route("/", channelRoutes);
  v2.route("/", destinationRoutes);
  v2.route("/", integrationRoutes);
  v2.route("/", inspectorRoutes);
  app.route(BASE_PATH, v2);

  app.doc31(`${BASE_PATH}/openapi.json`, {
    openapi: "3.1.0",
    info: { title: "edgehook", version: VERSION, description: "Edge-native webhook gateway (wire contract v2)" },
    servers: [{ url: "/" }],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
  app.onError(handleError);
  app.notFound(handleNotFound);
  return app;
}
