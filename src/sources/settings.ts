/** Which secrets and scheme a provider uses now: the stored configuration (admin API) over Worker secrets, cached briefly per isolate. */
import type { Config } from "../config";
import { AppError } from "../http/errors";
import { isValidEncryptionKey, openSecret, sealSecret, SecretBoxError } from "../lib/secret-box";
import { getStoredSource, type StoredSource } from "./repository";
import type { ProviderName, SourceSettings } from "./signature";

/** How long an isolate reuses a provider's resolved configuration; PUT/DELETE clear it at once locally. */
export const SOURCE_CACHE_TTL_MS = 30_000;

/** Where a provider's configuration comes from and whether it may receive. */
export type ResolvedSource = { origin: "api" | "env"; enabled: boolean; settings: SourceSettings } | { origin: null };

/** The AES-GCM context binding sealed secrets to their provider's row. */
function sealContext(provider: string): string {
  return `source:${provider}`;
}

/** Seals a provider's secrets for storage; 503 when ENCRYPTION_KEY is missing or malformed. */
export async function sealSourceSecrets(config: Config, provider: ProviderName, secrets: string[]): Promise<string> {
  if (!isValidEncryptionKey(config.encryptionKey)) {
    throw new AppError("SERVICE_UNAVAILABLE", "Source secrets are encrypted at rest, but ENCRYPTION_KEY is not set to the base64 of 32 bytes");
  }
  return sealSecret(config.encryptionKey, JSON.stringify(secrets), sealContext(provider));
}

async function openSourceSecrets(config: Config, stored: StoredSource): Promise<string[]> {
  try {
    return JSON.parse(await openSecret(config.encryptionKey, stored.sealedSecrets, sealContext(stored.provider))) as string[];
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new AppError("SERVICE_UNAVAILABLE", `The stored secrets of source "${stored.provider}" cannot be decrypted (was ENCRYPTION_KEY changed?); PUT the source again`, { cause: error });
  }
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
  const stored = await getStoredSource(env.DB, provider);
  const value = combineSettings(config, provider, stored ? { ...stored, secrets: await openSourceSecrets(config, stored) } : null);
  cache.set(provider, { value, expiresAt: now + SOURCE_CACHE_TTL_MS });
  return value;
}

/** Drops this isolate's cached configuration of a provider (after PUT or DELETE). */
export function forgetSource(config: Config, provider: ProviderName): void {
  cacheFor(config).delete(provider);
}
