/** GET /integrations: the catalogue of ready destinations with their params and an example request. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { renderPayload } from "../delivery/template";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { ERROR_RESPONSES, envelopeOf } from "../http/openapi";
import { integrationConfig, SAMPLE_EVENT } from "./apply";
import { INTEGRATIONS } from "./registry";
import { INTEGRATION_CATEGORIES, type Integration } from "./types";

const PARAM = z.object({ name: z.string(), description: z.string(), required: z.boolean(), secret: z.boolean(), default: z.string().optional() });
const ITEM = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.enum(INTEGRATION_CATEGORIES),
    description: z.string(),
    docs: z.string(),
    params: z.array(PARAM),
    example: z.object({
      params: z.record(z.string(), z.string()),
      request: z.object({ method: z.string(), url: z.string(), headers: z.record(z.string(), z.string()), contentType: z.string(), body: z.string() }),
    }),
  })
  .openapi("Integration");

/** The catalogue entry of an integration: the example request is what a subscription with the example params sends for a sample event. */
function entry(integration: Integration): z.infer<typeof ITEM> {
  const config = integrationConfig(integration.id, integration.example);
  const payload = renderPayload(SAMPLE_EVENT as never, config.template);
  return {
    id: integration.id,
    name: integration.name,
    category: integration.category,
    description: integration.description,
    docs: integration.docs,
    params: integration.params,
    example: { params: integration.example, request: { method: config.method, url: config.url, headers: config.headers ?? {}, ...payload } },
  };
}

let catalogue: z.infer<typeof ITEM>[] | null = null;

/** Integration catalogue routes. */
export const integrationRoutes = new OpenAPIHono<AppEnv>();

integrationRoutes.openapi(
  createRoute({
    method: "get",
    path: "/integrations",
    tags: ["Integrations"],
    summary: "The catalogue of ready destinations (use one with integration: {id, params} on POST /subscriptions)",
    middleware: protect("subscriptions"),
    request: { query: z.object({ category: z.enum(INTEGRATION_CATEGORIES).optional() }) },
    responses: { 200: envelopeOf(z.object({ items: z.array(ITEM) }), "Integrations"), ...ERROR_RESPONSES },
  }),
  (c) => {
    catalogue ??= INTEGRATIONS.map(entry);
    const { category } = c.req.valid("query");
    return ok(c, { items: category ? catalogue.filter((i) => i.category === category) : catalogue });
  },
);
