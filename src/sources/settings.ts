/** Which secrets and scheme a provider uses now: the stored configuration (admin API) over Worker secrets, cached briefly per isolate. */
import type { Config } from "../config";
import { AppError } from "../http/errors";
import { isValidEncryptionKey, openSecret, sealSecret, SecretBoxError } from "../lib/secret-box";
import { DEFAULT_TENANT } from "../tenants/model";
import { TenantDb } from "../tenants/tenant-db";
import { DEFAULT_GENERIC_OPTIONS } from "./generic";
import { getStoredSource, type StoredSource } from "./repository";
import type { ProviderName, SourceSettings } from "./signature";
import { findSourceForDelivery, type TenantSourceRecord } from "./tenant-repository";

/** How long an isolate reuses a provider's resolved configuration; PUT/DELETE clear it at once locally. */
export const SOURCE_CACHE_TTL_MS = 30_000;

/** Where a provider's configuration comes from and whether it may receive. */
export type ResolvedSource = { origin: "api" | "env"; enabled: boolean; settings: SourceSettings } | { origin: null };

/**
 * The AES-GCM context binding sealed secrets to their row: the provider of a per-provider
 * (default tenant) row, the source id (`src_…`) of a tenant's source.
 */
function sealContext(key: string): string {
  return `source:${key}`;
}

/** Seals a source's secrets for storage under `key` (provider or source id); 503 when ENCRYPTION_KEY is missing or malformed. */
export async function sealSourceSecrets(config: Config, key: string, secrets: string[]): Promise<string> {
  if (!isValidEncryptionKey(config.encryptionKey)) {
    throw new AppError("SERVICE_UNAVAILABLE", "Source secrets are encrypted at rest, but ENCRYPTION_KEY is not set to the base64 of 32 bytes");
  }
  return sealSecret(config.encryptionKey, JSON.stringify(secrets), sealContext(key));
}

async function openSealed(config: Config, sealed: string, key: string, fix: string): Promise<string[]> {
  try {
    return JSON.parse(await openSecret(config.encryptionKey, sealed, sealContext(key))) as string[];
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new AppError("SERVICE_UNAVAILABLE", `The stored secrets of source "${key}" cannot be decrypted (was ENCRYPTION_KEY changed?); ${fix}`, { cause: error });
  }
}

function openSourceSecrets(config: Config, stored: StoredSource): Promise<string[]> {
  return openSealed(config, stored.sealedSecrets, stored.provider, "PUT the source again");
}

/** Combines the stored configuration (if any, secrets opened) with the Worker secrets and vars. Pure. */
export function combineSettings(config: Config, provider: ProviderName, stored: (StoredSource & { secrets: string[] }) | null): ResolvedSource {
  if (stored) {
    return {
      origin: "api",
      enabled: stored.enabled,
      settings: {
        secrets: stored.secrets,
        toleranceSeconds: stored.toleranceSeconds ?? config.sources.toleranceSeconds,
        ...(provider === "generic" ? { generic: stored.generic ?? config.sources.generic } : {}),
      },
    };
  }
  const secrets = config.sources.secrets[provider];
  if (secrets.length === 0) return { origin: null };
  return {
    origin: "env",
    enabled: true,
    settings: { secrets, toleranceSeconds: config.sources.toleranceSeconds, ...(provider === "generic" ? { generic: config.sources.generic } : {}) },
  };
}

const caches = new WeakMap<Config, Map<string, { value: ResolvedSource; expiresAt: number }>>();

function cacheFor(config: Config) {
  let cache = caches.get(config);
  if (!cache) caches.set(config, (cache = new Map()));
  return cache;
}

/** The provider's current configuration (one D1 read per provider per isolate every 30 s at most). */
export async function resolveSource(env: Env, config: Config, provider: ProviderName, now = Date.now()): Promise<ResolvedSource> {
  const cache = cacheFor(config);
  const hit = cache.get(provider);
  if (hit && hit.expiresAt > now) return hit.value;
  const stored = await getStoredSource(TenantDb.of(env.DB, DEFAULT_TENANT), provider);
  const value = combineSettings(config, provider, stored ? { ...stored, secrets: await openSourceSecrets(config, stored) } : null);
  cache.set(provider, { value, expiresAt: now + SOURCE_CACHE_TTL_MS });
  return value;
}

/** Drops this isolate's cached configuration of a provider (after PUT or DELETE). */
export function forgetSource(config: Config, provider: ProviderName): void {
  cacheFor(config).delete(provider);
}

/** A tenant's source as the receiver needs it: where it publishes and how it verifies. */
export interface ResolvedTenantSource {
  id: string;
  tenantId: string;
  provider: ProviderName;
  name: string | null;
  enabled: boolean;
  events: string[] | null;
  settings: SourceSettings;
}

/**
 * The verification settings of a tenant's source (secrets opened). Unset fields take the
 * defaults (tolerance: SOURCE_TOLERANCE_SECONDS; generic: DEFAULT_GENERIC_OPTIONS), never the
 * default tenant's GENERIC_* vars. Pure.
 */
export function tenantSourceSettings(config: Config, record: TenantSourceRecord, secrets: string[]): SourceSettings {
  const s = record.settings;
  return {
    secrets,
    toleranceSeconds: s.toleranceSeconds ?? config.sources.toleranceSeconds,
    ...(record.provider === "generic"
      ? {
          generic: {
            header: s.header ?? DEFAULT_GENERIC_OPTIONS.header,
            algorithm: s.algorithm ?? DEFAULT_GENERIC_OPTIONS.algorithm,
            encoding: s.encoding ?? DEFAULT_GENERIC_OPTIONS.encoding,
            prefix: s.prefix ?? DEFAULT_GENERIC_OPTIONS.prefix,
            eventTypeHeader: s.eventTypeHeader ?? null,
            deliveryIdHeader: s.deliveryIdHeader ?? null,
          },
        }
      : {}),
  };
}

const tenantCaches = new WeakMap<Config, Map<string, { value: ResolvedTenantSource | null; expiresAt: number }>>();

function tenantCacheFor(config: Config) {
  let cache = tenantCaches.get(config);
  if (!cache) tenantCaches.set(config, (cache = new Map()));
  return cache;
}

/**
 * The tenant source `id` of `provider`, in whichever tenant holds it, or null (one D1 read per
 * source per isolate every 30 s at most; PATCH and DELETE clear it at once locally).
 */
export async function resolveTenantSource(env: Env, config: Config, provider: ProviderName, id: string, now = Date.now()): Promise<ResolvedTenantSource | null> {
  const cache = tenantCacheFor(config);
  const key = `${provider}/${id}`;
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit.value;
  const record = await findSourceForDelivery(TenantDb.all(env.DB), provider, id);
  const value = record
    ? {
        id: record.id,
        tenantId: record.tenantId,
        provider: record.provider,
        name: record.name,
        enabled: record.enabled,
        events: record.events,
        settings: tenantSourceSettings(config, record, await openSealed(config, record.sealedSecrets, record.id, "PATCH the source with its secret again")),
      }
    : null;
  cache.set(key, { value, expiresAt: now + SOURCE_CACHE_TTL_MS });
  return value;
}

/** Drops this isolate's cached copy of a tenant's source (after PATCH or DELETE). */
export function forgetTenantSource(config: Config, provider: string, id: string): void {
  tenantCacheFor(config).delete(`${provider}/${id}`);
}
