/** Every sources route: the unauthenticated provider receiver and the admin configuration API. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";
import { sourceAdminRoutes } from "./admin-routes";
import { receiveRoutes } from "./receive";

/** Sources routes, mounted under the base path. */
export const sourceRoutes = new OpenAPIHono<AppEnv>();
sourceRoutes.route("/", receiveRoutes);
sourceRoutes.route("/", sourceAdminRoutes);
