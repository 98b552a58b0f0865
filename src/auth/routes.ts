/** Admin routes for API tokens: POST/GET /tokens, GET/PATCH/DELETE /tokens/:id. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../http/openapi";
import { protect } from "../guard";
import { auditEntry, auditStatement } from "../ops/audit";
import { checkGrant, checkRemoval, checkTokenChange, type GrantRefusal } from "./grant-policy";
import { publish } from "../publish";
import { forgetCachedTokens } from "./middleware";
import { SCOPES, TOKEN_TYPES } from "./principal";
import { tenantDb } from "../tenants/context";
import { DEFAULT_TENANT, TENANT_ID_PATTERN } from "../tenants/model";
import { findTenant } from "../tenants/store";
import { TenantDb } from "../tenants/tenant-db";
import { createToken, deleteToken, getToken, listTokens, updateToken } from "./token-repository";

const TOKEN = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    rateLimit: z.number().int().nullable(),
    endpoints: z.array(z.string()),
    active: z.boolean(),
    keyPrefix: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    tenantId: z.string(),
    readOnly: z.boolean(),
  })
  .openapi("Token");

const TOKEN_FIELDS = {
  name: z.string().trim().min(1).max(100),
  type: z.enum(TOKEN_TYPES),
  rateLimit: z.number().int().positive().max(10_000_000).nullable(),
  endpoints: z.array(z.enum(SCOPES)).min(1),
  active: z.boolean(),
  expiresAt: z.iso.datetime({ offset: true }).nullable(),
};

const CREATE_TOKEN = z
  .object({
    ...TOKEN_FIELDS,
    type: TOKEN_FIELDS.type.default("custom"),
    rateLimit: TOKEN_FIELDS.rateLimit.optional(),
    active: TOKEN_FIELDS.active.optional(),
    expiresAt: TOKEN_FIELDS.expiresAt.optional(),
    tenantId: z.string().regex(TENANT_ID_PATTERN, "1-64 chars of [a-z0-9][a-z0-9_-]*").optional(),
  })
  .openapi("CreateToken");
const UPDATE_TOKEN = z.object(TOKEN_FIELDS).partial().openapi("UpdateToken");
const ID_PARAM = z.object({ id: z.string().min(1).max(64) });
const LIST_QUERY = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(64).optional(),
});

const guard = protect("tokens");

/** Throws the refusal of the grant rule, if any, as the contract's error. */
function enforce(refusal: GrantRefusal | null): void {
  if (refusal) throw new AppError(refusal.code, refusal.message, { details: refusal.details });
}
const tags = ["Tokens"];

/**
 * The handle a new token is written through: the body's `tenantId` (default: the caller's tenant,
 * or `default` for the unbound admin). A tenant's caller may not create in another (403); an
 * unknown tenant is 404.
 */
async function creatingTenantDb(c: Context<AppEnv>, tenantId: string | undefined): Promise<TenantDb> {
  const bound = c.get("principal").tenantId;
  const target = tenantId ?? bound ?? DEFAULT_TENANT;
  if (bound !== null && target !== bound) throw new AppError("FORBIDDEN", `This caller acts in tenant "${bound}" and cannot create tokens in another`, { details: { field: "tenantId" } });
  if (!(await findTenant(c.env.DB, target))) throw new AppError("NOT_FOUND", `Tenant "${target}" not found`, { details: { field: "tenantId" } });
  return TenantDb.of(c.env.DB, target);
}

/** Token administration routes, mounted under the base path. */
export const tokenRoutes = new OpenAPIHono<AppEnv>();

tokenRoutes.openapi(
  createRoute({
    method: "post",
    path: "/tokens",
    tags,
    summary: "Create an API token; the key is shown only in this response",
    middleware: [...guard, strictFields(CREATE_TOKEN)],
    request: { body: jsonRequest(CREATE_TOKEN) },
    responses: { 201: envelopeOf(TOKEN.extend({ key: z.string() }), "The new token with its key"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { tenantId, ...input } = c.req.valid("json");
    enforce(checkGrant(c.get("principal"), input, Date.now()));
    const db = await creatingTenantDb(c, tenantId);
    const { record, key } = await createToken(db, { ...input, endpoints: input.endpoints }, Date.now(), (token) => [
      auditStatement(db.raw, { ...auditEntry(c, "token.create", { type: "token", id: token.id }, { name: token.name, type: token.type, endpoints: token.endpoints, rateLimit: token.rateLimit, active: token.active, expiresAt: token.expiresAt }), tenantId: token.tenantId }),
    ]);
    await publish(c.env, c.executionCtx, { tenantId: record.tenantId, type: "api.key.created", data: { tokenId: record.id, name: record.name, type: record.type } });
    return ok(c, { ...record, key }, 201, { self: `/webhooks/v2/tokens/${record.id}` });
  },
);

tokenRoutes.openapi(
  createRoute({
    method: "get",
    path: "/tokens",
    tags,
    summary: "List tokens (cursor pagination)",
    middleware: guard,
    request: { query: LIST_QUERY },
    responses: { 200: envelopeOf(z.object({ items: z.array(TOKEN), nextCursor: z.string().nullable() }), "A page of tokens"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return ok(c, await listTokens(tenantDb(c), limit, cursor));
  },
);

tokenRoutes.openapi(
  createRoute({
    method: "get",
    path: "/tokens/{id}",
    tags,
    summary: "Read a token",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(TOKEN, "The token"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const token = await getToken(tenantDb(c), c.req.valid("param").id);
    if (!token) throw new AppError("NOT_FOUND", "Token not found");
    return ok(c, token);
  },
);

tokenRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/tokens/{id}",
    tags,
    summary: "Update a token (name, scopes, limit, active, expiry)",
    middleware: [...guard, strictFields(UPDATE_TOKEN)],
    request: { params: ID_PARAM, body: jsonRequest(UPDATE_TOKEN) },
    responses: { 200: envelopeOf(TOKEN, "The updated token"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const changes = c.req.valid("json");
    const target = await getToken(tenantDb(c), id);
    if (!target) throw new AppError("NOT_FOUND", "Token not found");
    enforce(checkTokenChange(c.get("principal"), target, changes, Date.now()));
    const entry = auditEntry(c, "token.update", { type: "token", id }, { changes });
    const token = await updateToken(tenantDb(c), id, changes, Date.now(), [auditStatement(c.env.DB, { ...entry, tenantId: target.tenantId }, { onlyIfChanged: true })]);
    if (!token) throw new AppError("NOT_FOUND", "Token not found");
    forgetCachedTokens();
    if (changes.active === false) await publish(c.env, c.executionCtx, { tenantId: token.tenantId, type: "api.key.revoked", data: { tokenId: token.id, name: token.name } });
    return ok(c, token);
  },
);

tokenRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/tokens/{id}",
    tags,
    summary: "Revoke (delete) a token",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const target = await getToken(tenantDb(c), id);
    if (!target) throw new AppError("NOT_FOUND", "Token not found");
    enforce(checkRemoval(c.get("principal"), target));
    const entry = auditEntry(c, "token.delete", { type: "token", id });
    if (!(await deleteToken(tenantDb(c), id, [auditStatement(c.env.DB, { ...entry, tenantId: target.tenantId }, { onlyIfChanged: true })]))) throw new AppError("NOT_FOUND", "Token not found");
    forgetCachedTokens();
    await publish(c.env, c.executionCtx, { tenantId: target.tenantId, type: "api.key.revoked", data: { tokenId: id, name: target.name } });
    return ok(c, { id, deleted: true as const });
  },
);
