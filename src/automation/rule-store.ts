/** D1 access for rules: rows ⇄ rules, create, read, list, replace, delete, and the isolate snapshot of enabled rules. */
import { isolateSnapshot } from "../lib/isolate-snapshot";
import { iso } from "../lib/time";
import { REDACTED, type FieldMatcher } from "../ops/redact";
import type { TenantDb } from "../tenants/tenant-db";
import type { Rule } from "./model";

const PLACEHOLDER_ONLY = /^\{\{\s*[A-Za-z0-9_.:-]+\s*\}\}$/;

/**
 * `value` with sensitive fields (LOG_REDACT_FIELDS: token, password, key, …) hidden, except
 * values that are only a placeholder (`{{params.githubToken}}` shows where a credential comes from).
 */
export function hideCredentials(value: unknown, isSensitive: FieldMatcher): unknown {
  const keep = (v: unknown) => typeof v === "string" && PLACEHOLDER_ONLY.test(v);
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(walk);
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, isSensitive(k) && !keep(item) ? REDACTED : walk(item)]));
  };
  return walk(value);
}

/** A rules row. */
export interface RuleRow {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  trigger_events: string;
  trigger_filter: string | null;
  priority: number;
  enabled: number;
  stop_processing: number;
  params: string | null;
  steps: string;
  template: string | null;
  secret_enc: string;
  created_at: number;
  updated_at: number;
}

/** The rule of a row. */
export function fromRuleRow(row: RuleRow): Rule {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    trigger: { events: JSON.parse(row.trigger_events), filter: row.trigger_filter ? JSON.parse(row.trigger_filter) : null },
    priority: row.priority,
    enabled: row.enabled === 1,
    stopProcessing: row.stop_processing === 1,
    params: row.params ? JSON.parse(row.params) : {},
    steps: JSON.parse(row.steps),
    template: row.template,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The API view of a rule; credentials in params and steps are hidden (write-only). */
export function ruleView(rule: Rule, isSensitive: FieldMatcher) {
  return {
    id: rule.id,
    tenantId: rule.tenantId,
    name: rule.name,
    description: rule.description,
    trigger: { events: rule.trigger.events, filter: rule.trigger.filter ?? null },
    priority: rule.priority,
    enabled: rule.enabled,
    stopProcessing: rule.stopProcessing,
    params: hideCredentials(rule.params, isSensitive) as Record<string, unknown>,
    steps: hideCredentials(rule.steps, isSensitive) as Record<string, unknown>[],
    template: rule.template,
    createdAt: iso(rule.createdAt),
    updatedAt: iso(rule.updatedAt),
  };
}

/**
 * Inserts a rule into the handle's owning tenant (`rule.tenantId` must be that tenant), or replaces
 * one the handle sees (the sealed secret and the tenant are kept on replace).
 */
export async function saveRule(db: TenantDb, rule: Rule, secretEnc: string | null): Promise<void> {
  const values = [
    rule.name,
    rule.description,
    JSON.stringify(rule.trigger.events),
    rule.trigger.filter ? JSON.stringify(rule.trigger.filter) : null,
    rule.priority,
    rule.enabled ? 1 : 0,
    rule.stopProcessing ? 1 : 0,
    JSON.stringify(rule.params),
    JSON.stringify(rule.steps),
    rule.template,
    rule.updatedAt,
  ];
  if (secretEnc !== null) {
    if (rule.tenantId !== db.owner) throw new Error(`a rule of tenant ${rule.tenantId} saved through a handle owned by ${db.owner}`);
    await db
      .prepare(
        `INSERT INTO rules (tenant_id, name, description, trigger_events, trigger_filter, priority, enabled, stop_processing, params, steps, template, updated_at, id, secret_enc, created_at)
         VALUES ($tenant, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`,
      )
      .bind(...values, rule.id, secretEnc, rule.createdAt)
      .run();
  } else {
    await db
      .prepare(
        `UPDATE rules SET name = ?1, description = ?2, trigger_events = ?3, trigger_filter = ?4, priority = ?5, enabled = ?6,
           stop_processing = ?7, params = ?8, steps = ?9, template = ?10, updated_at = ?11 WHERE id = ?12 AND $tenant(tenant_id)`,
      )
      .bind(...values, rule.id)
      .run();
  }
  forgetCachedRules();
}

/** One rule row the handle sees, or null. */
export async function getRuleRow(db: TenantDb, id: string): Promise<RuleRow | null> {
  return db.prepare("SELECT * FROM rules WHERE id = ? AND $tenant(tenant_id)").bind(id).first<RuleRow>();
}

/** Deletes a rule the handle sees; true when it existed. */
export async function deleteRule(db: TenantDb, id: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM rules WHERE id = ? AND $tenant(tenant_id)").bind(id).run();
  forgetCachedRules();
  return result.meta.changes > 0;
}

/** A page of the rules the handle sees, oldest first, after the cursor (`<created_at>:<id>`). */
export async function listRules(db: TenantDb, options: { limit: number; cursor?: string }): Promise<{ items: Rule[]; nextCursor: string | null }> {
  const [at, id] = (options.cursor ?? "").split(":");
  const after = options.cursor && id !== undefined && /^\d+$/.test(at!) ? [Number(at), id] : null;
  const sql = `SELECT * FROM rules WHERE $tenant(tenant_id) ${after ? "AND (created_at, id) > (?, ?)" : ""} ORDER BY created_at, id LIMIT ?`;
  const rows = await db.prepare(sql).bind(...(after ?? []), options.limit + 1).all<RuleRow>();
  const items = rows.results.slice(0, options.limit).map(fromRuleRow);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.results.length > options.limit && last ? `${last.createdAt}:${last.id}` : null };
}

const rulesSnapshot = isolateSnapshot<Rule[]>();

/** Drops this isolate's rule snapshot (after a rule changes here). */
export function forgetCachedRules(): void {
  rulesSnapshot.forget();
}

/**
 * The enabled rules of every tenant (a handle spanning all: the router picks the event's tenant's)
 * from an isolate snapshot refreshed after `ttlMs`, so publishing costs no D1
 * read on a hit (and none at all beyond the refresh while no rule is enabled). Changes made in
 * this isolate drop it at once; changes made elsewhere are seen within the TTL.
 */
export function enabledRules(db: TenantDb, ttlMs: number, now = Date.now()): Promise<Rule[]> {
  const load = async () => (await db.prepare("SELECT * FROM rules WHERE $tenant(tenant_id) AND enabled = 1").all<RuleRow>()).results.map(fromRuleRow);
  return rulesSnapshot.get(load, ttlMs, now);
}

/** The sealed secret of a rule's http steps (of a rule the handle sees). */
export async function ruleSecret(db: TenantDb, id: string): Promise<string | null> {
  return (await db.prepare("SELECT secret_enc FROM rules WHERE id = ? AND $tenant(tenant_id)").bind(id).first<string>("secret_enc")) ?? null;
}
