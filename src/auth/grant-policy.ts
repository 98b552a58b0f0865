/** Who may grant which scopes: the rule POST and PATCH /tokens apply before anything is written (pure). */
import { hasScope, type Principal } from "./principal";

/** Scopes only the ADMIN_TOKEN secret may grant: each of them reaches everything, or every token. */
export const ADMIN_ONLY_SCOPES: readonly string[] = ["admin", "*", "tokens"];
/** Token types only the ADMIN_TOKEN secret may give. */
export const ADMIN_ONLY_TYPES: readonly string[] = ["admin", "portal"];

/** What a create or update asks to grant. */
export interface GrantRequest {
  endpoints?: string[];
  type?: string;
  rateLimit?: number | null;
  expiresAt?: string | null;
}

/** Fields a token may not change on its own record: they widen what it may do. */
const SELF_LOCKED_FIELDS = ["endpoints", "type", "rateLimit", "expiresAt"] as const;

/** Why a grant is refused: the contract code, a sentence, and details naming the field. */
export interface GrantRefusal {
  code: "FORBIDDEN" | "SCHEMA_VALIDATION_ERROR";
  message: string;
  details: Record<string, unknown>;
}

/** The token a change targets, as far as the rule needs it. */
export interface GrantTarget {
  id: string;
  type: string;
  endpoints: string[];
}

/** True when `principal` may grant `scope`: the admin grants anything, others what they hold outside the admin-only set. */
export function mayGrant(principal: Principal, scope: string): boolean {
  if (principal.kind === "admin") return true;
  return !ADMIN_ONLY_SCOPES.includes(scope) && hasScope(principal, scope);
}

/** True when `principal` could have granted every scope and the type of `target` (so it may manage it). */
export function withinReach(principal: Principal, target: GrantTarget): boolean {
  if (principal.kind === "admin") return true;
  return target.endpoints.every((s) => mayGrant(principal, s)) && !ADMIN_ONLY_TYPES.includes(target.type);
}

/**
 * Checks a create (or the granting part of an update) against the rule: a caller grants only
 * scopes it holds itself; only the admin grants `admin`, `*`, `tokens` or type `admin`; an
 * `expiresAt` that has already passed is a schema error. Null when allowed.
 */
export function checkGrant(principal: Principal, request: GrantRequest, now: number): GrantRefusal | null {
  if (request.expiresAt && Date.parse(request.expiresAt) <= now) {
    const reason = "must be in the future";
    return { code: "SCHEMA_VALIDATION_ERROR", message: `Invalid body: expiresAt: ${reason}`, details: { field: "expiresAt", reason, issues: [{ field: "expiresAt", reason }] } };
  }
  const refused = (request.endpoints ?? []).filter((s) => !mayGrant(principal, s));
  if (refused.length) {
    return { code: "FORBIDDEN", message: `A token can grant only scopes it holds itself; ${refused.map((s) => `"${s}"`).join(", ")} only the admin grants or you lack`, details: { field: "endpoints", refused } };
  }
  if (request.type !== undefined && ADMIN_ONLY_TYPES.includes(request.type) && principal.kind !== "admin") {
    return { code: "FORBIDDEN", message: `Only the admin token gives type "${request.type}"`, details: { field: "type", refused: [request.type] } };
  }
  return null;
}

/**
 * Checks an update of `target`: no token changes its own scopes, type, limit or expiry; a caller manages only
 * tokens within its reach; then the grant rule for what it asks to set. Null when allowed.
 */
export function checkTokenChange(principal: Principal, target: GrantTarget, changes: GrantRequest, now: number): GrantRefusal | null {
  const locked = SELF_LOCKED_FIELDS.find((field) => changes[field] !== undefined);
  if (principal.kind !== "admin" && target.id === principal.tokenId && locked) {
    return { code: "FORBIDDEN", message: "A token cannot change its own scopes, type, rate limit or expiry", details: { field: locked } };
  }
  return checkRemoval(principal, target) ?? checkGrant(principal, changes, now);
}

/**
 * Checks a change or delete of `target`: refused when it holds more than the caller could grant
 * (a token may still rename, deactivate or revoke itself).
 */
export function checkRemoval(principal: Principal, target: GrantTarget): GrantRefusal | null {
  if (target.id === principal.tokenId || withinReach(principal, target)) return null;
  return { code: "FORBIDDEN", message: "This token holds scopes you cannot grant; only the admin manages it", details: { tokenId: target.id } };
}
