/** Inbound action routes: task, notify, research. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";
import { notifyRoutes } from "./notify-routes";
import { notifyStatusRoutes } from "./notify-status-routes";
import { researchRoutes } from "./research-routes";
import { taskRoutes } from "./task-routes";

/** Every inbound action route. */
export const actionRoutes = new OpenAPIHono<AppEnv>();
actionRoutes.route("/", taskRoutes);
actionRoutes.route("/", notifyRoutes);
actionRoutes.route("/", notifyStatusRoutes);
actionRoutes.route("/", researchRoutes);
