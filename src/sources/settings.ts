/** Which secrets and scheme a provider uses now: the stored configuration (admin API) over Worker secrets, cached briefly per isolate. */
import type { Config } from "../config";
import { AppError } from "../http/errors";
import { isValidEncryptionKey, openSecret, sealSecret, SecretBoxError } from "../lib/secret-box";
import { DEFAULT_TENANT } from "../tenants/model";
import { TenantDb } from "../tenants/tenant-db";
import { genericOptions } from "./generic";
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

/**
 * This isolate's resolved sources per config, by key: the provider (`github`) for the default
 * tenant's per-provider configuration, `<provider>/<id>` for a tenant's source.
 */
const caches = new WeakMap<Config, Map<string, { value: unknown; expiresAt: number }>>();

function cacheFor(config: Config) {
  let cache = caches.get(config);
  if (!cache) caches.set(config, (cache = new Map()));
  return cache;
}

/** The cached value under `key`, or `load()`'s, kept SOURCE_CACHE_TTL_MS. */
async function cached<T>(config: Config, key: string, now: number, load: () => Promise<T>): Promise<T> {
  const cache = cacheFor(config);
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit.value as T;
  const value = await load();
  cache.set(key, { value, expiresAt: now + SOURCE_CACHE_TTL_MS });
  return value;
}

/** The provider's current configuration (one D1 read per provider per isolate every 30 s at most). */
export async function resolveSource(env: Env, config: Config, provider: ProviderName, now = Date.now()): Promise<ResolvedSource> {
  return cached(config, provider, now, async () => {
    const stored = await getStoredSource(TenantDb.of(env.DB, DEFAULT_TENANT), provider);
    return combineSettings(config, provider, stored ? { ...stored, secrets: await openSourceSecrets(config, stored) } : null);
  });
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
    ...(record.provider === "generic" ? { generic: genericOptions(s) } : {}),
  };
}

/**
 * The tenant source `id` of `provider`, in whichever tenant holds it, or null (one D1 read per
 * source per isolate every 30 s at most; PATCH and DELETE clear it at once locally).
 */
export async function resolveTenantSource(env: Env, config: Config, provider: ProviderName, id: string, now = Date.now()): Promise<ResolvedTenantSource | null> {
  return cached(config, `${provider}/${id}`, now, async (): Promise<ResolvedTenantSource | null> => {
    const record = await findSourceForDelivery(TenantDb.all(env.DB), provider, id);
    if (!record) return null;
    const secrets = await openSealed(config, record.sealedSecrets, record.id, "PATCH the source with its secret again");
    const { id: sourceId, tenantId, name, enabled, events } = record;
    return { id: sourceId, tenantId, provider: record.provider, name, enabled, events, settings: tenantSourceSettings(config, record, secrets) };
  });
}

/** Drops this isolate's cached copy of a tenant's source (after PATCH or DELETE). */
export function forgetTenantSource(config: Config, provider: string, id: string): void {
  cacheFor(config).delete(`${provider}/${id}`);
}
