/** Who is calling: the authenticated principal and scope checks (pure). */
import type { Principal } from "../http/context";

/** Scopes a token can be granted; "*" grants all. */
export const SCOPES = ["task", "notify", "research", "events", "subscriptions", "tokens", "admin", "sources", "metrics", "rules", "*"] as const;
export type Scope = (typeof SCOPES)[number];

/** Token types; "admin" is reserved for the ADMIN_TOKEN secret but may also be given to records; "portal" marks tenant portal tokens (POST /tenants/:id/portal). */
export const TOKEN_TYPES = ["zapier", "make", "n8n", "ifttt", "github", "slack", "custom", "admin", "service", "oauth", "portal"] as const;

/** The authenticated caller (declared with the request variables, in http/context). */
export type { Principal } from "../http/context";

/** True when the principal may use `scope`: it holds the scope, "*", or is the admin. */
export function hasScope(principal: Principal, scope: string): boolean {
  return principal.kind === "admin" || principal.scopes.includes("*") || principal.scopes.includes(scope) || principal.scopes.includes("admin");
}
