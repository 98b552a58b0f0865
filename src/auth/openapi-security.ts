/** Each operation's OpenAPI `security`, read from the middleware its route runs (authenticate, requireScope). */
import { authenticate, requiredScopeOf } from "./middleware";

/** The security schemes every authenticated operation accepts (the contract's three ways to present a key). */
export const SECURITY_SCHEMES = {
  bearerAuth: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <token>`: ADMIN_TOKEN, a token key (ehk_…), a portal key (ehp_…) or a JWT" },
  apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key", description: "The token key in X-API-Key" },
  apiKeyQuery: { type: "apiKey", in: "query", name: "api_key", description: "The token key as ?api_key= (for clients that cannot set headers)" },
} as const;

/**
 * The security requirement of an operation whose route runs `handlers`: one alternative per
 * scheme, listing the scope a requireScope check demands; `[]` (public) when nothing authenticates.
 */
export function securityOf(handlers: readonly Function[]): Record<string, string[]>[] {
  const scopes = handlers.map((h) => requiredScopeOf(h)).filter((s): s is string => s !== undefined);
  if (!scopes.length && !handlers.includes(authenticate)) return [];
  return Object.keys(SECURITY_SCHEMES).map((name) => ({ [name]: scopes }));
}
