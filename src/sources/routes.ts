/** Every sources route: the unauthenticated receivers, the per-tenant sources API and the default tenant's per-provider configuration. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";
import { sourceAdminRoutes } from "./admin-routes";
import { receiveRoutes } from "./receive";
import { tenantSourceRoutes } from "./tenant-routes";

/** Sources routes, mounted under the base path. */
export const sourceRoutes = new OpenAPIHono<AppEnv>();
sourceRoutes.route("/", receiveRoutes);
sourceRoutes.route("/", tenantSourceRoutes);
sourceRoutes.route("/", sourceAdminRoutes);
