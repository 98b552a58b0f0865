// Test-only bindings added by vitest.workers.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_SCHEMA: string[];
  }
}
