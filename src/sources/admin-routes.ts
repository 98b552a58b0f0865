/** Admin routes for the default tenant's per-provider sources: GET/PUT/DELETE /sources/:provider (secrets sealed at rest, never returned). */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { SOURCE_SECRET_VARS, type Config } from "../config";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../http/openapi";
import { schemaError } from "../http/validation";
import { isoOrNull } from "../lib/time";
import { auditEntry, auditStatement } from "../ops/audit";
import { tenantDb } from "../tenants/context";
import { DEFAULT_TENANT } from "../tenants/model";
import { TenantDb } from "../tenants/tenant-db";
import { genericOptions } from "./generic";
import { providerByName } from "./registry";
import { deleteStoredSource, getStoredSource, putStoredSource, type StoredSource } from "./repository";
import { forgetSource, sealSourceSecrets } from "./settings";
import { PROVIDERS, type GenericOptions, type ProviderName } from "./signature";

/** An HTTP header name (generic scheme fields). */
export const HEADER_NAME = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "must be an HTTP header name");
/** One signing secret. */
export const SECRET = z.string().min(1).max(1024);
/** The fields only the generic provider takes. */
export const GENERIC_FIELDS = ["header", "algorithm", "encoding", "prefix", "eventTypeHeader", "deliveryIdHeader"] as const;

const GENERIC_VIEW = z.object({
  header: z.string(),
  algorithm: z.enum(["sha256", "sha512"]),
  encoding: z.enum(["hex", "base64"]),
  prefix: z.string(),
  eventTypeHeader: z.string().nullable(),
  deliveryIdHeader: z.string().nullable(),
});

/** A per-provider (default tenant) source as the API shows it. */
export const SOURCE = z
  .object({
    provider: z.enum(PROVIDERS),
    title: z.string(),
    url: z.string(),
    configured: z.boolean(),
    origin: z.enum(["api", "env"]).nullable(),
    enabled: z.boolean(),
    secretCount: z.number().int(),
    secretVar: z.string(),
    envSecretCount: z.number().int(),
    toleranceSeconds: z.number().int(),
    generic: GENERIC_VIEW.optional(),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi("Source");

const PUT_SOURCE = z
  .object({
    secret: SECRET.optional(),
    secrets: z.array(SECRET).min(1).max(5).optional(),
    enabled: z.boolean().default(true),
    toleranceSeconds: z.number().int().min(1).max(86_400).nullable().optional(),
    header: HEADER_NAME.optional(),
    algorithm: z.enum(["sha256", "sha512"]).optional(),
    encoding: z.enum(["hex", "base64"]).optional(),
    prefix: z.string().max(64).optional(),
    eventTypeHeader: HEADER_NAME.nullable().optional(),
    deliveryIdHeader: HEADER_NAME.nullable().optional(),
  })
  .refine((v) => (v.secret === undefined) !== (v.secrets === undefined), { message: "give exactly one of secret or secrets", path: ["secrets"] })
  .openapi("PutSource");

const PROVIDER_PARAM = z.object({ provider: z.string().min(1).max(64) });
/** The `sources` scope, which `admin` and `*` also grant. */
export const sourcesGuard = protect("sources");
const guard = sourcesGuard;
const tags = ["Sources"];

/** The provider called `name`; 404 NOT_FOUND naming the supported ones otherwise. */
export function knownProvider(name: string): ProviderName {
  const provider = providerByName(name);
  if (!provider) throw new AppError("NOT_FOUND", `Unknown source provider "${name}"; supported: ${PROVIDERS.join(", ")}`, { details: { provider: name, supported: [...PROVIDERS] } });
  return provider.name;
}

/**
 * The per-provider urls and their configuration are the default tenant's: its callers and the
 * admin (without X-Tenant-ID, or naming `default`) reach them; another tenant's get 404.
 */
export function defaultTenantOnly(c: Context<AppEnv>, provider: string): TenantDb {
  if (!tenantDb(c).sees(DEFAULT_TENANT)) {
    throw new AppError("NOT_FOUND", `Source "${provider}" not found: per-provider sources belong to the default tenant; create your own with POST /webhooks/v2/sources`);
  }
  return TenantDb.of(c.env.DB, DEFAULT_TENANT);
}

/** The public view of a provider's configuration: never a secret, only how many. */
export function view(config: Config, provider: ProviderName, stored: StoredSource | null): z.infer<typeof SOURCE> {
  const envSecrets = config.sources.secrets[provider].length;
  const generic = provider === "generic" ? (stored?.generic ?? config.sources.generic) : undefined;
  return {
    provider,
    title: providerByName(provider)!.title,
    url: `/webhooks/v2/sources/${provider}`,
    configured: stored !== null || envSecrets > 0,
    origin: stored ? "api" : envSecrets > 0 ? "env" : null,
    enabled: stored ? stored.enabled : envSecrets > 0,
    secretCount: stored ? stored.secretCount : envSecrets,
    secretVar: SOURCE_SECRET_VARS[provider],
    envSecretCount: envSecrets,
    toleranceSeconds: stored?.toleranceSeconds ?? config.sources.toleranceSeconds,
    ...(generic ? { generic } : {}),
    createdAt: isoOrNull(stored?.createdAt ?? null),
    updatedAt: isoOrNull(stored?.updatedAt ?? null),
  };
}

/** Source administration routes, mounted under the base path. */
export const sourceAdminRoutes = new OpenAPIHono<AppEnv>();

sourceAdminRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sources/{provider}",
    tags,
    summary: "Read a provider's configuration (secrets are never returned)",
    middleware: guard,
    request: { params: PROVIDER_PARAM },
    responses: { 200: envelopeOf(SOURCE, "The provider's configuration"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const provider = knownProvider(c.req.valid("param").provider);
    const db = defaultTenantOnly(c, provider);
    return ok(c, view(c.get("config"), provider, await getStoredSource(db, provider)));
  },
);

sourceAdminRoutes.openapi(
  createRoute({
    method: "put",
    path: "/sources/{provider}",
    tags,
    summary: "Set a provider's secret(s) (several during rotation), enabled, tolerance, and for generic its scheme",
    middleware: [...guard, strictFields(PUT_SOURCE)],
    request: { params: PROVIDER_PARAM, body: jsonRequest(PUT_SOURCE) },
    responses: { 200: envelopeOf(SOURCE, "The stored configuration"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const provider = knownProvider(c.req.valid("param").provider);
    const db = defaultTenantOnly(c, provider);
    const input = c.req.valid("json");
    const config = c.get("config");
    if (provider !== "generic") {
      const misplaced = GENERIC_FIELDS.filter((f) => input[f] !== undefined);
      if (misplaced.length) {
        throw schemaError(new z.ZodError(misplaced.map((f) => ({ code: "custom", path: [f], message: "only the generic provider takes this field", input: input[f] }))), "json");
      }
    }
    const secrets = [...new Set(input.secrets ?? [input.secret!])];
    const generic: GenericOptions | null = provider === "generic" ? genericOptions(input) : null;
    const sealedSecrets = await sealSourceSecrets(config, provider, secrets);
    const record = { provider, enabled: input.enabled, sealedSecrets, secretCount: secrets.length, toleranceSeconds: input.toleranceSeconds ?? null, generic };
    // The audit row names what changed, never a secret.
    const entry = auditEntry(c, "source.put", { type: "source", id: provider }, { enabled: record.enabled, secretCount: record.secretCount, toleranceSeconds: record.toleranceSeconds, generic });
    const stored = await putStoredSource(db, record, Date.now(), [auditStatement(c.env.DB, entry)]);
    forgetSource(config, provider);
    return ok(c, view(config, provider, stored), 200);
  },
);

sourceAdminRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/sources/{provider}",
    tags,
    summary: "Delete a provider's stored configuration (its Worker secret, if set, applies again)",
    middleware: guard,
    request: { params: PROVIDER_PARAM },
    responses: { 200: envelopeOf(SOURCE.extend({ deleted: z.literal(true) }), "Deleted; the configuration now in force"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const provider = knownProvider(c.req.valid("param").provider);
    const db = defaultTenantOnly(c, provider);
    const config = c.get("config");
    const entry = auditEntry(c, "source.delete", { type: "source", id: provider });
    if (!(await deleteStoredSource(db, provider, [auditStatement(c.env.DB, entry, { onlyIfChanged: true })]))) throw new AppError("NOT_FOUND", `Source "${provider}" has no stored configuration`);
    forgetSource(config, provider);
    return ok(c, { ...view(config, provider, null), deleted: true as const });
  },
);
