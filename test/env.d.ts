// Test-only bindings added by vitest.workers.config.ts.
declare namespace Cloudflare {
  interface Env {
    /** migrations/*.sql, read by readD1Migrations in Node. */
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** schema.sql's statements, in file order. */
    TEST_SCHEMA: string[];
    /** An empty second database for the schema tests. */
    SCHEMA_DB: D1Database;
  }
}
