/** Admin routes for tenants: POST/GET /tenants, GET/PATCH/DELETE /tenants/:id, portal tokens (POST /tenants/:id/portal[/revoke]). */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../http/openapi";
import { randomBytes } from "../lib/crypto";
import { protect } from "../guard";
import { auditEntry, auditStatement } from "../ops/audit";
import { forgetCachedTokens } from "../auth/middleware";
import { createToken } from "../auth/token-repository";
import { DEFAULT_TENANT, TENANT_ID_PATTERN } from "./model";
import { createTenant, deleteTenant, getTenant, listTenants, revokePortalTokens, tenantHoldings, updateTenant } from "./store";
import { TenantDb } from "./tenant-db";

const TENANT = z
  .object({
    id: z.string(),
    name: z.string(),
    rateLimit: z.number().int().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Tenant");

const METADATA = z
  .record(z.string(), z.unknown())
  .nullable()
  .refine((m) => m === null || JSON.stringify(m).length <= 4096, "must be at most 4096 bytes of JSON");
const TENANT_FIELDS = {
  name: z.string().trim().min(1).max(100),
  rateLimit: z.number().int().positive().max(10_000_000).nullable(),
  metadata: METADATA,
};
const CREATE_TENANT = z
  .object({
    id: z.string().regex(TENANT_ID_PATTERN, "1-64 chars of [a-z0-9][a-z0-9_-]*").optional(),
    name: TENANT_FIELDS.name,
    rateLimit: TENANT_FIELDS.rateLimit.optional(),
    metadata: TENANT_FIELDS.metadata.optional(),
  })
  .openapi("CreateTenant");
const UPDATE_TENANT = z.object(TENANT_FIELDS).partial().openapi("UpdateTenant");
const PORTAL_REQUEST = z
  .object({
    expiresIn: z.number().int().min(60).max(604_800).default(3600),
    readOnly: z.boolean().default(false),
  })
  .openapi("CreatePortalToken");
const PORTAL = z
  .object({ token: z.string(), url: z.string(), expiresAt: z.string(), tokenId: z.string(), tenantId: z.string(), readOnly: z.boolean() })
  .openapi("PortalToken");
const ID_PARAM = z.object({ id: z.string().min(1).max(64) });
const LIST_QUERY = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(64).optional(),
});
const DELETE_QUERY = z.object({ force: z.enum(["true", "false"]).optional() });

/** The scopes of a portal token: it manages its tenant's subscriptions and reads its events. */
export const PORTAL_SCOPES = ["subscriptions", "events"] as const;

/** Only the ADMIN_TOKEN secret manages tenants: a token with scope `admin` still acts inside one tenant. */
const requireAdminSecret: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get("principal").kind !== "admin") throw new AppError("FORBIDDEN", "Only the ADMIN_TOKEN manages tenants", { details: { required: "ADMIN_TOKEN" } });
  await next();
};
const [authenticate, scope, ...rest] = protect("admin");
const guard: MiddlewareHandler<AppEnv>[] = [authenticate!, scope!, requireAdminSecret, ...rest];
const tags = ["Tenants"];

/** A fresh tenant id: `t` + 15 lowercase base-32 chars (75 bits). */
function newTenantId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  return "t" + [...randomBytes(15)].map((b) => alphabet[b % 32]).join("");
}

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `Tenant "${id}" not found`);
}

/** Tenant administration routes, mounted under the base path. */
export const tenantRoutes = new OpenAPIHono<AppEnv>();

tenantRoutes.openapi(
  createRoute({
    method: "post",
    path: "/tenants",
    tags,
    summary: "Create a tenant (ADMIN_TOKEN only); its id is generated when absent",
    middleware: [...guard, strictFields(CREATE_TENANT)],
    request: { body: jsonRequest(CREATE_TENANT) },
    responses: { 201: envelopeOf(TENANT, "The new tenant"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const id = input.id ?? newTenantId();
    const entry = { ...auditEntry(c, "tenant.create", { type: "tenant", id }, { name: input.name, rateLimit: input.rateLimit ?? null }), tenantId: DEFAULT_TENANT };
    const record = await createTenant(c.env.DB, { ...input, id }, Date.now(), [auditStatement(c.env.DB, entry, { onlyIfChanged: true })]);
    if (!record) throw new AppError("CONFLICT", `Tenant "${id}" already exists`, { details: { field: "id", reason: "already exists" } });
    return ok(c, record, 201, { self: `/webhooks/v2/tenants/${id}` });
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "get",
    path: "/tenants",
    tags,
    summary: "List tenants, oldest first (cursor pagination)",
    middleware: guard,
    request: { query: LIST_QUERY },
    responses: { 200: envelopeOf(z.object({ items: z.array(TENANT), nextCursor: z.string().nullable() }), "A page of tenants"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = await listTenants(c.env.DB, limit, cursor);
    return ok(c, { items: page.items, nextCursor: page.nextCursor });
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "get",
    path: "/tenants/{id}",
    tags,
    summary: "Read a tenant",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(TENANT, "The tenant"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const record = await getTenant(c.env.DB, id);
    if (!record) throw notFound(id);
    return ok(c, record);
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/tenants/{id}",
    tags,
    summary: "Update a tenant (name, rate limit, metadata)",
    middleware: [...guard, strictFields(UPDATE_TENANT)],
    request: { params: ID_PARAM, body: jsonRequest(UPDATE_TENANT) },
    responses: { 200: envelopeOf(TENANT, "The updated tenant"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const changes = c.req.valid("json");
    const entry = { ...auditEntry(c, "tenant.update", { type: "tenant", id }, { changes }), tenantId: DEFAULT_TENANT };
    const record = await updateTenant(c.env.DB, id, changes, Date.now(), [auditStatement(c.env.DB, entry, { onlyIfChanged: true })]);
    if (!record) throw notFound(id);
    return ok(c, record);
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/tenants/{id}",
    tags,
    summary: "Delete a tenant: 409 CONFLICT while it holds resources unless ?force=true (which deletes them all); `default` cannot be deleted",
    middleware: guard,
    request: { params: ID_PARAM, query: DELETE_QUERY },
    responses: { 200: envelopeOf(z.object({ id: z.string(), deleted: z.literal(true), removed: z.record(z.string(), z.number()) }), "Deleted"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const force = c.req.valid("query").force === "true";
    if (id === DEFAULT_TENANT) throw new AppError("CONFLICT", 'The "default" tenant always exists and cannot be deleted', { details: { reason: "default_tenant" } });
    if (!(await getTenant(c.env.DB, id))) throw notFound(id);
    const holdings = await tenantHoldings(c.env.DB, id);
    // Audit rows are the tenant's history, not resources it holds: they never block a delete.
    const blocking = Object.fromEntries(Object.entries(holdings).filter(([table]) => table !== "audit"));
    if (!force && Object.keys(blocking).length > 0) {
      throw new AppError("CONFLICT", `Tenant "${id}" still holds resources; delete them first or send ?force=true`, { details: { reason: "holds_resources", holdings: blocking } });
    }
    const entry = { ...auditEntry(c, "tenant.delete", { type: "tenant", id }, { force, removed: holdings }), tenantId: DEFAULT_TENANT };
    if (!(await deleteTenant(c.env.DB, id, [auditStatement(c.env.DB, entry, { onlyIfChanged: true })]))) throw notFound(id);
    forgetCachedTokens();
    return ok(c, { id, deleted: true as const, removed: holdings });
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "post",
    path: "/tenants/{id}/portal",
    tags,
    summary: "Issue a portal token (ehp_…) for the tenant: scopes subscriptions and events, GET only when readOnly; shown only here",
    middleware: [...guard, strictFields(PORTAL_REQUEST)],
    request: { params: ID_PARAM, body: { ...jsonRequest(PORTAL_REQUEST), required: false } },
    responses: { 201: envelopeOf(PORTAL, "The portal token and its sign-in url"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { expiresIn, readOnly } = PORTAL_REQUEST.parse(c.req.valid("json") ?? {});
    if (!(await getTenant(c.env.DB, id))) throw notFound(id);
    const now = Date.now();
    const expiresAt = new Date(now + expiresIn * 1000).toISOString();
    const db = TenantDb.of(c.env.DB, id);
    const input = { name: readOnly ? "portal (read-only)" : "portal", type: "portal", endpoints: [...PORTAL_SCOPES], expiresAt, readOnly, keyKind: "ehp" as const };
    const { record, key } = await createToken(db, input, now, (token) => [
      auditStatement(c.env.DB, { ...auditEntry(c, "tenant.portal.create", { type: "token", id: token.id }, { expiresAt, readOnly }), tenantId: id }),
    ]);
    return ok(c, { token: key, url: `/webhooks/v2/dashboard?token=${key}`, expiresAt, tokenId: record.id, tenantId: id, readOnly }, 201);
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "post",
    path: "/tenants/{id}/portal/revoke",
    tags,
    summary: "End every portal token of the tenant at once (other isolates' caches keep one up to AUTH_CACHE_TTL)",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(z.object({ tenantId: z.string(), revoked: z.number().int(), revokedAt: z.string() }), "Revoked"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    if (!(await getTenant(c.env.DB, id))) throw notFound(id);
    const now = Date.now();
    const entry = { ...auditEntry(c, "tenant.portal.revoke", { type: "tenant", id }), tenantId: id };
    const revoked = await revokePortalTokens(c.env.DB, id, now, [auditStatement(c.env.DB, entry)]);
    if (revoked === null) throw notFound(id);
    forgetCachedTokens();
    return ok(c, { tenantId: id, revoked, revokedAt: new Date(now).toISOString() });
  },
);
