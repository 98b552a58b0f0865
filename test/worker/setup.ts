// Applies schema.sql (idempotent) before the worker tests; setup files may run more than once.
import { env } from "cloudflare:workers";

await env.DB.batch(env.TEST_SCHEMA.map((sql) => env.DB.prepare(sql)));
