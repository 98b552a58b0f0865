/** Who is calling: the authenticated principal and scope checks (pure). */

/** Scopes a token can be granted; "*" grants all. */
export const SCOPES = ["task", "notify", "research", "events", "subscriptions", "tokens", "admin", "sources", "metrics", "*"] as const;
export type Scope = (typeof SCOPES)[number];

/** Token types; "admin" is reserved for the ADMIN_TOKEN secret but may also be given to records. */
export const TOKEN_TYPES = ["zapier", "make", "n8n", "ifttt", "github", "slack", "custom", "admin", "service", "oauth"] as const;

/** The authenticated caller. */
export interface Principal {
  /** How the caller proved itself. */
  kind: "admin" | "token" | "jwt";
  /** Stable id used for rate limits, idempotency scope and audit (`admin` for the secret). */
  tokenId: string;
  name: string;
  type: string;
  scopes: string[];
  /** Requests per hour for this caller, or null for the configured default. */
  rateLimit: number | null;
}

/** True when the principal may use `scope`: it holds the scope, "*", or is the admin. */
export function hasScope(principal: Principal, scope: string): boolean {
  return principal.kind === "admin" || principal.scopes.includes("*") || principal.scopes.includes(scope) || principal.scopes.includes("admin");
}
