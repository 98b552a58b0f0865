// Unit and worker tests run inside workerd with real D1, Durable Objects and Queues.
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";
import { schemaStatements } from "./scripts/schema.mjs";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

// Every migration in migrations/ (applied in order by test/worker/setup.ts) and schema.sql's statements
// (for the test that a database built from the migrations equals one built from schema.sql).
const migrations = await readD1Migrations(new URL("./migrations", import.meta.url).pathname);

export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        compatibilityFlags: ["service_binding_extra_handlers"],
        bindings: {
          TEST_MIGRATIONS: migrations,
          TEST_SCHEMA: schemaStatements(),
          ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          ENCRYPTION_KEY: "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0xMjM=",
          ALLOW_PRIVATE_DESTINATIONS: "true",
          // Provider secrets as Worker secrets (test/worker/sources.test.ts); GitHub in rotation.
          GITHUB_WEBHOOK_SECRET: "gh-secret-new,gh-secret-old",
          SLACK_SIGNING_SECRET: "slack-signing-secret-0123456789",
          // One JSON line per request would drown the test output; test/worker/ops-logs.test.ts turns it on.
          LOG_REQUESTS: "false",
          // a gone SSE client is noticed on the next write; a short heartbeat makes that quick in tests
          STREAM_HEARTBEAT_MS: "250",
        },
        // The tests' dead endpoint (any url on port 9) answers 503 here instead of refusing the
        // connection: workerd logs every refused outbound fetch as an uncaught "Network connection
        // lost" with a stack, although the gateway catches it. Real network failures are covered
        // by the e2e tests against wrangler dev.
        // (Node's fetch and Response stand in for miniflare's undici types, which they match at runtime.)
        // Other urls (the receiver on 127.0.0.1) are fetched with the body read first: Node's fetch
        // refuses a Request whose body is a stream (it wants `duplex`), which answered 500 to every POST.
        outboundService: (async (request: Request) => {
          if (new URL(request.url).port === "9") return new Response("dead endpoint (test)", { status: 503 });
          const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
          return fetch(request.url, { method: request.method, headers: request.headers, body, redirect: request.redirect });
        }) as never,
        // A second database for the schema tests: built from schema.sql or from old wave-1 states.
        d1Databases: ["SCHEMA_DB"],
        queueConsumers: {
          "edgehook-deliveries": { maxBatchTimeout: 0.05 },
          "edgehook-deliveries-dlq": { maxBatchTimeout: 0.05 },
          "edgehook-destination-test": { maxBatchTimeout: 0.05 },
        },
      },
    }),
  ],
  test: {
    name: "workers",
    include: ["test/unit/**/*.test.ts", "test/worker/**/*.test.ts"],
    setupFiles: ["./test/worker/setup.ts"],
    globalSetup: ["./test/worker/receiver-setup.ts"],
    testTimeout: 20_000,
  },
});
