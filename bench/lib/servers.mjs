// Starts the gateway and the bare baseline with the same runtime (`wrangler dev`) and stops them all on exit.
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";

const running = new Set();

async function track(startPromise) {
  const server = await startPromise;
  running.add(server);
  const stop = server.stop;
  server.stop = async (options) => {
    running.delete(server);
    await stop(options);
  };
  return server;
}

/**
 * Starts the gateway (`wrangler.toml`, schema applied) with extra Worker vars.
 * Resolves to startWranglerDev's handle plus `vars` (what was overridden, for the record).
 */
export async function startGateway(vars = {}) {
  const server = await track(startWranglerDev({ vars }));
  server.vars = vars;
  return server;
}

/** Starts the bare Hono baseline (bench/baseline) the same way, with its one-table schema. */
export function startBaseline() {
  return track(startWranglerDev({ config: "bench/baseline/wrangler.toml", schemaFile: "bench/baseline/schema.sql", readyPath: "/health" }));
}

/** Stops every server started here that is still running (used on timeout, error and exit). */
export async function stopAll() {
  await Promise.all([...running].map((server) => server.stop().catch(() => undefined)));
}

/** Creates an API token on a gateway through the admin API; resolves to {id, key}. */
export async function createToken(gateway, endpoints, extra = {}) {
  const res = await fetch(`${gateway.url}/webhooks/v2/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${gateway.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "bench", type: "custom", endpoints, ...extra }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.data.id, key: body.data.key };
}
