/** Rate limits and idempotency for protected routes: one parallel round trip to TokenState, LimitCounter(tenant:<id>), LimitCounter(endpoint) and one LimitCounter(global:<shard>). */
import { DEFAULT_TENANT } from "../tenants/model";
import { findTenant } from "../tenants/store";
import { recordRateLimitViolation } from "../ops/metrics";
import type { Context, MiddlewareHandler, Next } from "hono";
import type { AppEnv } from "../http/context";
import { AppError } from "../http/errors";
import { readJsonBody } from "../http/json-body";
import { randomToken, sha256Hex } from "../lib/crypto";
import {
  DUPLICATE_WAIT_MS,
  fingerprintSource,
  IDEMPOTENT_METHODS,
  idempotencyKeyOf,
  isStorableStatus,
  type KeyLookup,
  MAX_STORED_BODY_BYTES,
  type StoredResponse,
} from "./idempotency";
import { admitAt, admitSharded, type LevelCall, peekSharded } from "./counters";
import type { LevelSpec, LevelView } from "./limiter";
import { announceLimit } from "./limit-notice";
import { combine, type LevelPlan, planLevels, rateLimitError, rateLimitHeaders, type RateLimitConfig, tenantLevels, tightest, withoutRequest } from "./policy";
import { openResponse, sealResponse } from "./sealed-responses";
import type { KeyClaim, TokenBegin } from "./token-state";

/** The global level's objects are `global:<shard>`. */
export const GLOBAL_PREFIX = "global";
/** The tenant level's object for tenant `<id>` is `tenant:<id>`. */
export const TENANT_PREFIX = "tenant";

/**
 * The tenant level's quotas for the caller: its tenant's `rateLimit` (the tenant record comes from
 * the isolate cache, so a hit adds no I/O). None for the ADMIN_TOKEN secret (exempt like at the
 * token level), a caller bound to no tenant, or a tenant without a limit.
 */
async function tenantPlan(c: Context<AppEnv>, config: RateLimitConfig): Promise<{ name: string; specs: LevelSpec[] } | null> {
  const principal = c.get("principal");
  if (!config.enabled || principal.kind === "admin" || principal.tenantId === null) return null;
  const tenant = await findTenant(c.env.DB, principal.tenantId);
  const specs = tenantLevels(config, tenant?.rateLimit ?? null);
  return specs.length ? { name: `${TENANT_PREFIX}:${principal.tenantId}`, specs } : null;
}

/** How many times a duplicate may take over a key whose first request gave it up before giving up itself. */
const MAX_ROUNDS = 3;

type KeyTaken = Exclude<KeyLookup, { kind: "new" }>;
type Keyed = Omit<KeyClaim, "owner">;

/** The idempotency key and fingerprint of a POST/PUT/PATCH, or null when it carries no key. */
async function keyedRequest(c: Context<AppEnv>): Promise<Keyed | null> {
  if (!IDEMPOTENT_METHODS.has(c.req.method)) return null;
  const body = await readJsonBody(c); // a malformed body is the JSON gate's 400, after the limits
  const parsed = body.kind === "json" || body.kind === "form" ? body.value : undefined;
  const found = idempotencyKeyOf(c.req.header("Idempotency-Key"), parsed);
  if (!found) return null;
  if ("invalid" in found) {
    const reason = found.invalid === "Idempotency-Key" ? "must be 1-255 visible ASCII characters" : "must be 1-255 characters";
    throw new AppError("SCHEMA_VALIDATION_ERROR", `Invalid ${found.invalid}: ${reason}`, {
      details: { field: found.invalid, reason, issues: [{ field: found.invalid, reason }] },
    });
  }
  const url = new URL(c.req.url);
  const text = await c.req.text();
  return { key: found.key, fingerprint: await sha256Hex(fingerprintSource(c.req.method, url.pathname + url.search, text, parsed)) };
}

const fulfilled = <T,>(r: PromiseSettledResult<T> | null): T | null => (r?.status === "fulfilled" ? r.value : null);

/**
 * One admission round: asks the token object, the tenant object, the endpoint object and one
 * global shard at once (the tenant's limit is looked up inside its branch, so a cache miss delays
 * only that branch), then settles. Admitted → null. A key already taken → its lookup (the shared levels are released:
 * a repeat consumes nothing). Refused → 429 after releasing whatever the other levels counted.
 */
async function admitOnce(c: Context<AppEnv>, plan: LevelPlan, endpoint: string, claim: KeyClaim | null): Promise<KeyTaken | null> {
  const { env } = c;
  const principal = c.get("principal");
  const token = env.TOKEN_STATE.getByName(principal.tokenId);
  const useToken = plan.token.length > 0 || claim !== null;
  const shards = c.get("config").rateLimits.globalShards;
  const shared: Promise<LevelCall | null>[] = [tenantPlan(c, c.get("config").rateLimits).then((t) => (t ? admitAt(env.LIMIT_COUNTER, t.name, t.specs) : null))];
  if (plan.endpoint.length > 0) shared.push(admitAt(env.LIMIT_COUNTER, `endpoint:${endpoint}`, plan.endpoint));
  if (plan.global.length > 0) shared.push(admitSharded(env.LIMIT_COUNTER, GLOBAL_PREFIX, plan.global, shards));
  const [tokenResult, ...sharedResults] = await Promise.allSettled<Promise<TokenBegin | null> | Promise<LevelCall | null>>([
    useToken ? token.begin(plan.token, claim) : Promise.resolve(null),
    ...shared,
  ]);
  const calls = sharedResults.map((r) => fulfilled(r as PromiseSettledResult<LevelCall | null>));
  const begun = fulfilled(tokenResult as PromiseSettledResult<TokenBegin | null>);
  const tokenAdmission = begun?.kind === "admission" ? begun.admission : null;
  const later = (p: Promise<unknown>) => c.executionCtx.waitUntil(p.catch(() => undefined));

  const undo = (violation: { level: LevelView["level"] } | null) => {
    if (tokenAdmission?.reservation) later(token.release(plan.token, tokenAdmission.reservation, claim));
    for (const call of calls) if (call) later(call.release());
    if (violation && (violation.level === "token" || violation.level === "tenant" || violation.level === "endpoint" || violation.level === "global")) recordRateLimitViolation(violation.level, principal.tokenId, endpoint, principal.tenantId);
  };

  const failure = [tokenResult, ...sharedResults].find((r): r is PromiseRejectedResult => r?.status === "rejected");
  if (failure) {
    undo(null);
    throw new AppError("SERVICE_UNAVAILABLE", "Rate limiter is unavailable; retry shortly", { retryAfter: 1, cause: failure.reason });
  }
  const sharedAnswers = calls.flatMap((call) => (call ? [call.answer] : []));

  if (begun?.kind === "key") {
    undo(null);
    const released = sharedAnswers.flatMap((a) => (a.allowed ? a.views.map(withoutRequest) : a.views));
    const watch = tightest([...begun.views, ...released]);
    if (watch) c.set("rateLimitHeaders", rateLimitHeaders(watch));
    return begun.lookup;
  }
  const verdict = combine([...(tokenAdmission ? [tokenAdmission] : []), ...sharedAnswers]);
  if (!verdict) return null;
  c.set("rateLimitHeaders", verdict.headers);
  if (verdict.allowed) return null;
  undo({ level: verdict.binding.level });
  const notice = announceLimit(env, c.executionCtx, { tokenId: principal.kind === "admin" ? null : principal.tokenId, tenantId: principal.tenantId ?? DEFAULT_TENANT, binding: verdict.binding });
  c.executionCtx.waitUntil(notice.catch((error: unknown) => console.error(JSON.stringify({ level: "error", msg: "api.limit.exceeded not published", error: String(error) }))));
  throw rateLimitError(verdict);
}

/** The first response again (opened when sealed), marked as a replay. */
async function replay(c: Context<AppEnv>, stored: StoredResponse, key: string): Promise<Response> {
  const response = await openResponse(stored, c.get("config").encryptionKey, c.get("principal").tokenId, key);
  return new Response(response.body, { status: response.status, headers: { "Content-Type": response.contentType, "Idempotent-Replayed": "true" } });
}

/** Runs the route for the request that owns `claim` and keeps its outcome (or frees the key) after the response. */
async function runOwned(c: Context<AppEnv>, next: Next, claim: KeyClaim): Promise<void> {
  const { tokenId } = c.get("principal");
  const config = c.get("config");
  const token = c.env.TOKEN_STATE.getByName(tokenId);
  const report = (response: StoredResponse | null) => c.executionCtx.waitUntil(token.complete(claim, response, config.idempotencyMaxBytes).catch(() => undefined));
  try {
    await next();
  } catch (error) {
    report(null);
    throw error;
  }
  const res = c.res;
  let stored: StoredResponse | null = null;
  if (isStorableStatus(res.status)) {
    const body = await res.clone().text();
    if (new TextEncoder().encode(body).byteLength <= MAX_STORED_BODY_BYTES) {
      stored = await sealResponse({ status: res.status, body, contentType: res.headers.get("Content-Type") ?? "application/json" }, config.encryptionKey, tokenId, claim.key);
    }
  }
  report(stored);
}

/**
 * The limiter and idempotency step of `protect()` for `endpoint`. Admitted requests run the route;
 * a repeat of a finished keyed request gets its first response (`Idempotent-Replayed: true`); a
 * concurrent duplicate waits for the first and then replays it; a refusal is 429 RATE_LIMITED.
 */
export function limitsAndIdempotency(endpoint: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const keyed = await keyedRequest(c);
    const principal = c.get("principal");
    const plan = planLevels(c.get("config").rateLimits, principal.kind === "admin" ? "exempt" : principal.rateLimit, endpoint);
    for (let round = 1; ; round++) {
      const claim = keyed && { ...keyed, owner: randomToken(16) };
      const first = await admitOnce(c, plan, endpoint, claim);
      if (!first) return claim ? runOwned(c, next, claim) : next();
      let taken: KeyLookup = first;
      if (taken.kind === "in_flight") taken = await c.env.TOKEN_STATE.getByName(principal.tokenId).wait(claim!, DUPLICATE_WAIT_MS);
      if (taken.kind === "replay") return replay(c, taken.response, claim!.key);
      if (taken.kind === "conflict") {
        throw new AppError("IDEMPOTENCY_CONFLICT", "This Idempotency-Key was already used with a different request", {
          details: { reason: "different_request" },
        });
      }
      if (taken.kind === "in_flight" || round >= MAX_ROUNDS) {
        throw new AppError("IDEMPOTENCY_CONFLICT", "A request with this Idempotency-Key is still in progress; retry shortly", {
          retryAfter: 1,
          details: { reason: "in_progress" },
        });
      }
      // "new": the first request gave the key up (it failed or its lease ran out) — this one runs now.
    }
  };
}

/**
 * The caller's rate-limit standing as `X-RateLimit-*` values (token, tenant and global levels, tightest
 * first), counting nothing — for GET /status. Null when no level applies.
 */
export async function rateLimitStanding(c: Context<AppEnv>): Promise<Record<string, string> | null> {
  const principal = c.get("principal");
  const plan = planLevels(c.get("config").rateLimits, principal.kind === "admin" ? "exempt" : principal.rateLimit, "");
  const tenant = await tenantPlan(c, c.get("config").rateLimits);
  const views = await Promise.all([
    plan.token.length ? c.env.TOKEN_STATE.getByName(principal.tokenId).peek(plan.token) : [],
    tenant ? c.env.LIMIT_COUNTER.getByName(tenant.name).peek(tenant.specs) : [],
    plan.global.length ? peekSharded(c.env.LIMIT_COUNTER, GLOBAL_PREFIX, plan.global, c.get("config").rateLimits.globalShards) : [],
  ]);
  const watch = tightest(views.flat());
  return watch ? rateLimitHeaders(watch) : null;
}
