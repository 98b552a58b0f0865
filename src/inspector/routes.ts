/** Inspector routes: managing request bins (scope subscriptions) and recording any request to /inspect/:id (no auth; the id is the credential). */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { meta, ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../http/openapi";
import { admitLevels, clientIp, inspectorLevel, ipLevel } from "../limits/abuse";
import { iso } from "../lib/time";
import { owningTenant, tenantDb } from "../tenants/context";
import { TenantDb } from "../tenants/tenant-db";
import { capturedPath, encodeBody, INSPECTOR_BODY_LIMIT, readCapped } from "./capture";
import { createInspector, deleteInspector, getInspector, getRequest, listInspectors, listRequests, newInspectorId, recordRequest, type InspectorRow } from "./repository";

const tags = ["Inspectors"];
const guard = protect("subscriptions");
const ID_PARAM = z.object({ id: z.string().min(1).max(64) });
const CREATE_INSPECTOR = z.object({ name: z.string().trim().min(1).max(200).optional().openapi({ description: "A name for people" }) }).openapi("CreateInspector");
const INSPECTOR = z.object({ id: z.string(), tenantId: z.string(), name: z.string().nullable(), url: z.string(), createdAt: z.string() }).openapi("Inspector");
const REQUEST = z
  .object({
    id: z.string(),
    inspectorId: z.string(),
    tenantId: z.string(),
    method: z.string(),
    path: z.string(),
    query: z.string(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
    bodyEncoding: z.enum(["utf8", "base64"]),
    bodySize: z.number(),
    truncated: z.boolean(),
    sourceIp: z.string().nullable(),
    receivedAt: z.string(),
  })
  .openapi("InspectedRequest");

function view(c: Context<AppEnv>, row: InspectorRow) {
  return { id: row.id, tenantId: row.tenant_id, name: row.name, url: `${new URL(c.req.url).origin}/webhooks/v2/inspect/${row.id}`, createdAt: iso(row.created_at) };
}

/** The inspector of that id the caller's tenant sees (another tenant's is 404 like an unknown id). */
async function found(c: Context<AppEnv>, id: string): Promise<InspectorRow> {
  const row = await getInspector(tenantDb(c), id);
  if (!row) throw new AppError("NOT_FOUND", "Inspector not found");
  return row;
}

/** Inspector routes, mounted under the base path. */
export const inspectorRoutes = new OpenAPIHono<AppEnv>();

inspectorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/inspectors",
    tags,
    summary: "Create a request bin; anything sent to its url is recorded (body optional: {name})",
    middleware: [...guard, strictFields(CREATE_INSPECTOR)],
    request: { body: { ...jsonRequest(CREATE_INSPECTOR), required: false } },
    responses: { 201: envelopeOf(INSPECTOR, "The inspector and its capture url"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const name = c.req.valid("json").name ?? null;
    const row = await createInspector(TenantDb.of(c.env.DB, owningTenant(c)), { id: newInspectorId(), name, created_by: c.get("principal").tokenId, created_at: Date.now() });
    return ok(c, view(c, row), 201);
  },
);

inspectorRoutes.openapi(
  createRoute({ method: "get", path: "/inspectors", tags, summary: "List inspectors, newest first", middleware: guard, responses: { 200: envelopeOf(z.object({ items: z.array(INSPECTOR) }), "Inspectors"), ...ERROR_RESPONSES } }),
  async (c) => ok(c, { items: (await listInspectors(tenantDb(c))).map((row) => view(c, row)) }),
);

inspectorRoutes.openapi(
  createRoute({
    method: "get",
    path: "/inspectors/{id}/requests",
    tags,
    summary: "Recorded requests, newest first (kept 7 days, the newest 500)",
    middleware: guard,
    request: { params: ID_PARAM, query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(64).optional() }) },
    responses: { 200: envelopeOf(z.object({ items: z.array(REQUEST), nextCursor: z.string().nullable() }), "A page of requests"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    await found(c, id);
    return ok(c, await listRequests(tenantDb(c), id, limit, cursor));
  },
);

inspectorRoutes.openapi(
  createRoute({
    method: "get",
    path: "/inspectors/{id}/requests/{requestId}",
    tags,
    summary: "One recorded request",
    middleware: guard,
    request: { params: ID_PARAM.extend({ requestId: z.string().min(1).max(64) }) },
    responses: { 200: envelopeOf(REQUEST, "The request"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id, requestId } = c.req.valid("param");
    const request = await getRequest(tenantDb(c), id, requestId);
    if (!request) throw new AppError("NOT_FOUND", "Request not found");
    return ok(c, request);
  },
);

inspectorRoutes.openapi(
  createRoute({ method: "delete", path: "/inspectors/{id}", tags, summary: "Delete an inspector and its requests", middleware: guard, request: { params: ID_PARAM }, responses: { 200: envelopeOf(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted"), ...ERROR_RESPONSES } }),
  async (c) => {
    const { id } = c.req.valid("param");
    if (!(await deleteInspector(tenantDb(c), id))) throw new AppError("NOT_FOUND", "Inspector not found");
    return ok(c, { id, deleted: true as const });
  },
);

/** Records any method on /inspect/:id and below. */
async function capture(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param("id")!;
  if (!/^insp_[A-Za-z0-9_-]{1,60}$/.test(id)) throw new AppError("NOT_FOUND", "Inspector not found");
  // One mechanism with every unauthenticated route: the client's per-IP level, and this inspector's own.
  await admitLevels(c, [...ipLevel(c), ...inspectorLevel(c, id)]);
  const ip = clientIp(c);
  const { bytes, size } = await readCapped(c.req.raw.body, INSPECTOR_BODY_LIMIT);
  const url = new URL(c.req.url);
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => (headers[name] = value));
  const request = { method: c.req.method, path: capturedPath(url.pathname, id), query: url.search.replace(/^\?/, ""), headers, ...encodeBody(bytes), bodySize: size, truncated: size > bytes.byteLength, sourceIp: ip };
  // Unauthenticated: the id names the inspector in any tenant; the request is stored in the inspector's tenant.
  const requestId = await recordRequest(TenantDb.all(c.env.DB), id, request, Date.now());
  if (!requestId) throw new AppError("NOT_FOUND", "Inspector not found");
  return c.json({ received: true, success: true, data: { received: true, requestId }, meta: meta(c) }, 200);
}

inspectorRoutes.all("/inspect/:id", capture);
inspectorRoutes.all("/inspect/:id/*", capture);

// The capture route takes any method; the document lists POST as its representative.
inspectorRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/inspect/{id}",
  tags,
  summary: "Recorded by the inspector (any method, and any path below the id; no authentication: the id is the credential)",
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: "Recorded: {received: true}" }, 404: { description: "Unknown inspector" }, 429: { description: "Rate-limited per inspector or per source IP" } },
});
