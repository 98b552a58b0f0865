// Applies every D1 migration before the worker tests (as `wrangler d1 migrations apply` does);
// applied ones are recorded in d1_migrations, so setup files running more than once is harmless.
import { env } from "cloudflare:workers";
import { applyD1Migrations } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
