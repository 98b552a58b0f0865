// The tenant rule as data: SQL that names a tenant-owned table must say which tenant it serves.
import { TENANT_OWNED_TABLES } from "../../src/tenants/model.ts";

/**
 * Files that may run SQL on tenant-owned tables without a tenant marker, each with its reason:
 * system jobs that span every tenant by design and keep each row's own tenant.
 */
export const SYSTEM_SQL: Readonly<Record<string, string>> = {
  "automation/wake.ts": "wakes every tenant's unfinished runs after a restart",
  "delivery/modes/batches.ts": "the engine's batch windows: per subscription, so per tenant, over raw D1",
  "delivery/modes/fifo.ts": "the engine's FIFO heads: per subscription and key, so per tenant",
  "delivery/store/claims.ts": "the engine's claims and records: rows named by id from queue messages",
  "delivery/store/outbox.ts": "the outbox sweep re-enqueues every tenant's due rows",
  "events/store.ts": "the event writer (each insert carries the event's tenant_id) and the hub's replay reader (its tenantId option)",
};

/** A single statement may say it spans every tenant on purpose with this SQL comment. */
export const EVERY_TENANT = "/* every tenant */";

const OWNED = new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE)\\s+(${TENANT_OWNED_TABLES.join("|")})\\b`, "i");

/** One SQL text of a file that names a tenant-owned table without `$tenant` or `tenant_id`. */
export interface UnscopedSql {
  file: string;
  line: number;
  sql: string;
}

/** The string and template literals of a TypeScript source, with the line each starts on. */
export function literalsOf(source: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const pattern = /`(?:\\[\s\S]|\$\{(?:[^{}]|\{[^{}]*\})*\}|[^`\\])*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g;
  for (const m of source.matchAll(pattern)) out.push({ text: m[0], line: source.slice(0, m.index).split("\n").length });
  return out;
}

/**
 * The SQL literals of a file that touch a tenant-owned table and name no tenant: neither a TenantDb
 * marker (`$tenant`, `$tenant(col)`) nor an explicit `tenant_id` column or filter, nor the
 * EVERY_TENANT comment. A literal built from pieces (`${where}`) in a file that prepares through a
 * TenantDb is left to TenantDb's own refusal, which checks the finished statement when it runs.
 */
export function unscopedSql(file: string, source: string): UnscopedSql[] {
  const tenantAware = source.includes("$tenant") && /\bTenantDb\b/.test(source);
  return literalsOf(source)
    .filter(({ text }) => OWNED.test(text) && !text.includes("$tenant") && !/\btenant_id\b/.test(text) && !text.includes(EVERY_TENANT))
    .filter(({ text }) => !(tenantAware && text.includes("${")))
    .map(({ text, line }) => ({ file, line, sql: text.replace(/\s+/g, " ").slice(0, 160) }));
}
