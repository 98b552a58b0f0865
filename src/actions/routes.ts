/** Inbound action routes: task, notify, research. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";

export const actionRoutes = new OpenAPIHono<AppEnv>();
