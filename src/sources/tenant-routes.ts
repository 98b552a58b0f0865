/** Per-tenant inbound sources: POST/GET /sources and GET/PATCH/DELETE /sources/:provider/:id, in the caller's tenant (secrets never returned). */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { EVENT_PATTERN } from "../delivery/core/match";
import { reservedNamespace } from "../events/reserved";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../http/openapi";
import { schemaError } from "../http/validation";
import { iso } from "../lib/time";
import { auditEntry, auditStatement } from "../ops/audit";
import { tenantDb } from "../tenants/context";
import { DEFAULT_TENANT } from "../tenants/model";
import { TenantDb } from "../tenants/tenant-db";
import { GENERIC_FIELDS, HEADER_NAME, knownProvider, SECRET, SOURCE, sourcesGuard, view } from "./admin-routes";
import { listStoredSources } from "./repository";
import { forgetTenantSource, sealSourceSecrets } from "./settings";
import { PROVIDERS, type ProviderName } from "./signature";
import {
  createTenantSource,
  deleteTenantSource,
  getTenantSource,
  listTenantSources,
  newSourceId,
  SOURCE_ID,
  updateTenantSource,
  type TenantSourceRecord,
  type TenantSourceSettings,
} from "./tenant-repository";

/** A generic source's name is its event-type prefix: one lower-case segment, not a reserved namespace. */
const PREFIX_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

const SETTINGS = z
  .object({
    toleranceSeconds: z.number().int().min(1).max(86_400).nullable().optional(),
    header: HEADER_NAME.optional(),
    algorithm: z.enum(["sha256", "sha512"]).optional(),
    encoding: z.enum(["hex", "base64"]).optional(),
    prefix: z.string().max(64).optional(),
    eventTypeHeader: HEADER_NAME.nullable().optional(),
    deliveryIdHeader: HEADER_NAME.nullable().optional(),
  })
  .openapi("TenantSourceSettings", { description: "toleranceSeconds for any provider; the rest only for generic (its signature header and scheme)" });

const EVENTS = z
  .array(z.string().regex(EVENT_PATTERN, "must be an event type, prefix.* or *"))
  .min(1)
  .max(50)
  .nullable()
  .openapi({ description: "Accepted event types (the published type: `github.push`, `github.*`); null accepts all. Others are acknowledged with 200 and not published." });

const TENANT_SOURCE = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    provider: z.enum(PROVIDERS),
    name: z.string().nullable(),
    url: z.string(),
    eventPrefix: z.string(),
    enabled: z.boolean(),
    secretCount: z.number().int(),
    events: z.array(z.string()).nullable(),
    settings: SETTINGS,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("TenantSource");

const oneOfSecrets = (v: { secret?: string; secrets?: string[] }) => v.secret === undefined || v.secrets === undefined;

const CREATE = z
  .object({
    provider: z.enum(PROVIDERS),
    name: z.string().min(1).max(100).optional(),
    secret: SECRET.optional(),
    secrets: z.array(SECRET).min(1).max(5).optional(),
    enabled: z.boolean().default(true),
    events: EVENTS.optional(),
    settings: SETTINGS.optional(),
  })
  .refine((v) => (v.secret === undefined) !== (v.secrets === undefined), { message: "give exactly one of secret or secrets", path: ["secret"] })
  .openapi("CreateTenantSource");

const UPDATE = z
  .object({
    name: z.string().min(1).max(100).nullable().optional(),
    secret: SECRET.optional(),
    secrets: z.array(SECRET).min(1).max(5).optional(),
    enabled: z.boolean().optional(),
    events: EVENTS.optional(),
    settings: SETTINGS.optional(),
  })
  .refine(oneOfSecrets, { message: "give at most one of secret or secrets", path: ["secret"] })
  .openapi("UpdateTenantSource");

const LIST_QUERY = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(64).optional(),
});
const SOURCE_PARAMS = z.object({ provider: z.string().min(1).max(64), id: z.string().min(1).max(64) });
const tags = ["Sources"];

function invalid(field: string, message: string, input: unknown): AppError {
  return schemaError(new z.ZodError([{ code: "custom", path: [field], message, input }]), "json");
}

/** Refuses generic-only settings on other providers and a generic name that cannot be an event prefix. */
function checkFor(provider: ProviderName, name: string | null | undefined, settings: TenantSourceSettings | undefined): void {
  if (provider !== "generic") {
    const misplaced = GENERIC_FIELDS.find((f) => settings?.[f] !== undefined);
    if (misplaced) throw invalid(`settings.${misplaced}`, "only the generic provider takes this field", settings![misplaced]);
    return;
  }
  if (name === undefined || name === null || name === "generic") return;
  if (!PREFIX_NAME.test(name)) throw invalid("name", "a generic source's name is its event-type prefix: a lower-case letter, then up to 63 of a-z 0-9 _ -", name);
  const reserved = reservedNamespace(name);
  if (reserved) throw invalid("name", `"${reserved}" is a reserved event namespace`, name);
}

/** The event-type prefix a source publishes under. */
function eventPrefix(record: Pick<TenantSourceRecord, "provider" | "name">): string {
  return record.provider === "generic" && record.name ? record.name : record.provider;
}

/** The public view of a tenant's source: never a secret, only how many. */
function tenantView(record: TenantSourceRecord): z.infer<typeof TENANT_SOURCE> {
  return {
    id: record.id,
    tenantId: record.tenantId,
    provider: record.provider,
    name: record.name,
    url: `/webhooks/v2/sources/${record.provider}/${record.id}`,
    eventPrefix: eventPrefix(record),
    enabled: record.enabled,
    secretCount: record.secretCount,
    events: record.events,
    settings: record.settings,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
  };
}

function notFound(provider: string, id: string): AppError {
  return new AppError("NOT_FOUND", `Source "${provider}/${id}" not found`, { details: { provider, id } });
}

/** What the audit row says about a source, never a secret. */
const auditDetails = (r: TenantSourceRecord) => ({ provider: r.provider, name: r.name, enabled: r.enabled, secretCount: r.secretCount, events: r.events, settings: r.settings });

/** Per-tenant source routes, mounted under the base path. */
export const tenantSourceRoutes = new OpenAPIHono<AppEnv>();

tenantSourceRoutes.openapi(
  createRoute({
    method: "post",
    path: "/sources",
    tags,
    summary: "Create an inbound source in the caller's tenant, reached at /sources/{provider}/{id}",
    middleware: [...sourcesGuard, strictFields(CREATE)],
    request: { body: jsonRequest(CREATE) },
    responses: { 201: envelopeOf(TENANT_SOURCE, "The source (its secrets are never returned)"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const input = c.req.valid("json");
    checkFor(input.provider, input.name, input.settings);
    const db = tenantDb(c);
    const id = newSourceId();
    const secrets = [...new Set(input.secrets ?? [input.secret!])];
    const sealedSecrets = await sealSourceSecrets(c.get("config"), id, secrets);
    const fields = { id, provider: input.provider, name: input.name ?? null, enabled: input.enabled, sealedSecrets, secretCount: secrets.length, events: input.events ?? null, settings: input.settings ?? {} };
    const entry = auditEntry(c, "source.create", { type: "source", id }, auditDetails({ ...fields, tenantId: db.owner, createdAt: 0, updatedAt: 0 }));
    const record = await createTenantSource(db, fields, Date.now(), [auditStatement(db, entry)]);
    return ok(c, tenantView(record), 201, { self: `/webhooks/v2/sources/${record.provider}/${record.id}` });
  },
);

tenantSourceRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sources",
    tags,
    summary: "List the caller's tenant's sources (and, for the default tenant, the per-provider sources)",
    middleware: sourcesGuard,
    request: { query: LIST_QUERY },
    responses: {
      200: envelopeOf(
        z.object({ items: z.array(TENANT_SOURCE), nextCursor: z.string().nullable(), providers: z.array(SOURCE).openapi({ description: "The default tenant's per-provider urls (/sources/{provider}); empty for other tenants" }) }),
        "The sources, oldest first",
      ),
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const db = tenantDb(c);
    const page = await listTenantSources(db, limit, cursor);
    let providers: z.infer<typeof SOURCE>[] = [];
    if (db.sees(DEFAULT_TENANT)) {
      const stored = new Map((await listStoredSources(TenantDb.of(c.env.DB, DEFAULT_TENANT))).map((s) => [s.provider, s]));
      providers = PROVIDERS.map((p) => view(c.get("config"), p, stored.get(p) ?? null));
    }
    return ok(c, { items: page.items.map(tenantView), nextCursor: page.nextCursor, providers });
  },
);

/** The caller's source named by the path, or 404 exactly as for an unknown one. */
async function sourceOf(db: TenantDb, params: z.infer<typeof SOURCE_PARAMS>): Promise<{ provider: ProviderName; id: string; record: TenantSourceRecord }> {
  const provider = knownProvider(params.provider);
  const record = SOURCE_ID.test(params.id) ? await getTenantSource(db, provider, params.id) : null;
  if (!record) throw notFound(provider, params.id);
  return { provider, id: params.id, record };
}

tenantSourceRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sources/{provider}/{id}",
    tags,
    summary: "Read one of the caller's sources (never its secrets)",
    middleware: sourcesGuard,
    request: { params: SOURCE_PARAMS },
    responses: { 200: envelopeOf(TENANT_SOURCE, "The source"), ...ERROR_RESPONSES },
  }),
  async (c) => ok(c, tenantView((await sourceOf(tenantDb(c), c.req.valid("param"))).record)),
);

tenantSourceRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/sources/{provider}/{id}",
    tags,
    summary: "Change a source's name, secret(s) (several during rotation), enabled, events allowlist or settings",
    middleware: [...sourcesGuard, strictFields(UPDATE)],
    request: { params: SOURCE_PARAMS, body: jsonRequest(UPDATE) },
    responses: { 200: envelopeOf(TENANT_SOURCE, "The updated source"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const db = tenantDb(c);
    const { provider, id, record } = await sourceOf(db, c.req.valid("param"));
    const input = c.req.valid("json");
    checkFor(provider, input.name === undefined ? record.name : input.name, input.settings);
    const secrets = input.secrets ?? (input.secret !== undefined ? [input.secret] : undefined);
    const unique = secrets ? [...new Set(secrets)] : undefined;
    const changes = {
      name: input.name,
      enabled: input.enabled,
      events: input.events,
      settings: input.settings,
      ...(unique ? { sealedSecrets: await sealSourceSecrets(c.get("config"), id, unique), secretCount: unique.length } : {}),
    };
    const entry = { ...auditEntry(c, "source.update", { type: "source", id }, { ...Object.fromEntries(Object.entries({ name: input.name, enabled: input.enabled, events: input.events, settings: input.settings }).filter(([, v]) => v !== undefined)), ...(unique ? { secretCount: unique.length } : {}) }), tenantId: record.tenantId };
    const updated = await updateTenantSource(db, provider, id, changes, Date.now(), [auditStatement(db, entry, { onlyIfChanged: true })]);
    if (!updated) throw notFound(provider, id);
    forgetTenantSource(c.get("config"), provider, id);
    return ok(c, tenantView(updated));
  },
);

tenantSourceRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/sources/{provider}/{id}",
    tags,
    summary: "Delete one of the caller's sources (its url answers 404 from then on)",
    middleware: sourcesGuard,
    request: { params: SOURCE_PARAMS },
    responses: { 200: envelopeOf(z.object({ id: z.string(), provider: z.enum(PROVIDERS), deleted: z.literal(true) }), "Deleted"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const db = tenantDb(c);
    const { provider, id, record } = await sourceOf(db, c.req.valid("param"));
    const entry = { ...auditEntry(c, "source.delete", { type: "source", id }), tenantId: record.tenantId };
    if (!(await deleteTenantSource(db, provider, id, [auditStatement(db, entry, { onlyIfChanged: true })]))) throw notFound(provider, id);
    forgetTenantSource(c.get("config"), provider, id);
    return ok(c, { id, provider, deleted: true as const });
  },
);
