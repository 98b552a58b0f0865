// Every SQL statement in src/ on a tenant-owned table names its tenant ($tenant markers or tenant_id), except the listed system jobs.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SYSTEM_SQL, unscopedSql } from "./tenant-scope.ts";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe("tenant scope of SQL in src/", () => {
  it("finds unscoped SQL in a sample, and passes scoped SQL (so the check can fail)", () => {
    const sample = 'db.prepare("SELECT * FROM subscriptions WHERE id = ?");\ndb.prepare(`DELETE FROM tasks WHERE id = ? AND $tenant(tenant_id)`);\nq("UPDATE deliveries SET x = 1 WHERE tenant_id = ?");\n"SELECT 1 FROM tenants";\n"DELETE FROM audit WHERE id = ? /* every tenant */";';
    expect(unscopedSql("sample.ts", sample)).toEqual([{ file: "sample.ts", line: 1, sql: '"SELECT * FROM subscriptions WHERE id = ?"' }]);
  });

  it("has no unscoped SQL outside the listed system jobs", () => {
    const found = sourceFiles(SRC).flatMap((file) => {
      const path = relative(SRC, file);
      return path in SYSTEM_SQL ? [] : unscopedSql(path, readFileSync(file, "utf8"));
    });
    expect(found.map((f) => `${f.file}:${f.line} ${f.sql}`)).toEqual([]);
  });

  it("lists only files that exist and still hold such SQL", () => {
    for (const path of Object.keys(SYSTEM_SQL)) expect(unscopedSql(path, readFileSync(join(SRC, path), "utf8")).length, path).toBeGreaterThan(0);
  });
});
