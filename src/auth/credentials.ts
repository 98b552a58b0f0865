/** Extracts the presented credential from a request: Bearer, X-API-Key, or ?api_key= (pure). */

/** A credential and where it came from. */
export interface PresentedCredential {
  value: string;
  source: "bearer" | "api-key" | "query";
}

/** An Authorization header that is present but not `Bearer <one token>`: refused, never skipped. */
export interface MalformedCredential {
  malformed: "Authorization";
}

/**
 * The first credential present, in the order Authorization, X-API-Key, `api_key` query parameter.
 * An Authorization header in any other form (`Basic …`, `Bearer a b`) is malformed: it does not
 * fall through to the other sources.
 */
export function extractCredential(headers: Headers, url: URL): PresentedCredential | MalformedCredential | null {
  const authorization = headers.get("Authorization");
  if (authorization !== null && authorization.trim() !== "") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? { value: match[1]!, source: "bearer" } : { malformed: "Authorization" };
  }
  const apiKey = headers.get("X-API-Key")?.trim();
  if (apiKey) return { value: apiKey, source: "api-key" };
  const query = url.searchParams.get("api_key")?.trim();
  if (query) return { value: query, source: "query" };
  return null;
}

/** True when the value looks like a JWT (three base64url segments) rather than an `ehk_`/`ehp_` key. */
export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}
