// The tenant rule as data: SQL that names a tenant-owned table must say which tenant it serves.
import { TENANT_OWNED_TABLES } from "../../src/tenants/model.ts";

/**
 * Files that may run SQL on tenant-owned tables without a tenant marker, each with its reason:
 * system jobs that span every tenant by design and keep each row's own tenant.
 */
export const SYSTEM_SQL: Readonly<Record<string, string>> = {};

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
 * marker (`$tenant`, `$tenant(col)`) nor an explicit `tenant_id` column or filter.
 */
export function unscopedSql(file: string, source: string): UnscopedSql[] {
  return literalsOf(source)
    .filter(({ text }) => OWNED.test(text) && !text.includes("$tenant") && !/\btenant_id\b/.test(text))
    .map(({ text, line }) => ({ file, line, sql: text.replace(/\s+/g, " ").slice(0, 160) }));
}
