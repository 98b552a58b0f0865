/** OAuth2 JWT bearer verification against a configured JWKS, with the key set cached per isolate. */
import { Jwt } from "hono/utils/jwt";
import type { HonoJsonWebKey } from "hono/utils/jwt/jws";
import type { Config } from "../config";
import { DEFAULT_TENANT, isTenantId } from "../tenants/model";
import type { Principal } from "./principal";

const JWKS_TTL_MS = 5 * 60_000;
const ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384", "PS512", "EdDSA"] as const;

let jwksCache: { url: string; keys: HonoJsonWebKey[]; fetchedAt: number } | null = null;
let lastForcedAt = Number.NEGATIVE_INFINITY;

async function loadKeys(url: string, now: number, force: boolean): Promise<HonoJsonWebKey[]> {
  if (!force && jwksCache && jwksCache.url === url && now - jwksCache.fetchedAt < JWKS_TTL_MS) return jwksCache.keys;
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`JWKS fetch failed with ${response.status}`);
  const body = (await response.json()) as { keys?: HonoJsonWebKey[] };
  if (!Array.isArray(body.keys)) throw new Error("JWKS document has no keys");
  jwksCache = { url, keys: body.keys, fetchedAt: now };
  return body.keys;
}

/** Scopes from a claim that is either a space-separated string or an array of strings. */
export function scopesFromClaim(claim: unknown): string[] {
  if (typeof claim === "string") return claim.split(/\s+/).filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === "string");
  return [];
}

/**
 * The caller's identity from verified claims — `jwt:<iss>#<sub>`, so two issuers' subjects never
 * share idempotency keys or a limit bucket — or null when `sub` or `exp` is missing (refused).
 */
export function jwtIdentity(payload: Record<string, unknown>): string | null {
  if (typeof payload.sub !== "string" || payload.sub === "" || typeof payload.exp !== "number") return null;
  return `jwt:${typeof payload.iss === "string" ? payload.iss : ""}#${payload.sub}`;
}

/** Smallest gap between two forced JWKS refetches, so unknown key ids cannot hammer the issuer. */
const FORCED_REFETCH_GAP_MS = 30_000;

function headerKid(token: string): string | undefined {
  try {
    return Jwt.decode(token).header.kid;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a JWT bearer (signature, exp/nbf, issuer and audience — both required by the config)
 * and returns its principal; null when it does not verify or lacks `sub` or `exp`. A key id missing from the cached set refetches the
 * JWKS (at most every 30 s), so issuer key rotation is picked up without waiting for the TTL.
 */
export async function verifyJwtPrincipal(token: string, jwt: NonNullable<Config["jwt"]>): Promise<Principal | null> {
  const verification = {
    ...(jwt.issuer ? { iss: jwt.issuer } : {}),
    ...(jwt.audience ? { aud: jwt.audience } : {}),
  };
  try {
    const now = Date.now();
    let keys = await loadKeys(jwt.jwksUrl, now, false);
    const kid = headerKid(token);
    if (kid && !keys.some((k) => k.kid === kid) && now - lastForcedAt >= FORCED_REFETCH_GAP_MS) {
      lastForcedAt = now;
      keys = await loadKeys(jwt.jwksUrl, now, true);
    }
    const payload = await Jwt.verifyWithJwks(token, { keys, verification, allowedAlgorithms: ALLOWED_ALGORITHMS });
    const identity = jwtIdentity(payload);
    if (!identity) return null;
    return {
      kind: "jwt",
      tokenId: identity,
      name: payload.sub as string,
      type: "oauth",
      scopes: scopesFromClaim(payload[jwt.scopeClaim]),
      rateLimit: null,
      tenantId: typeof payload.tenant === "string" && isTenantId(payload.tenant) ? payload.tenant : DEFAULT_TENANT,
    };
  } catch {
    return null;
  }
}
