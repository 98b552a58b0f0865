// Starts a real `wrangler dev` for tests and benchmarks: free port, its own state directory,
// D1 migrations applied, known admin token. Used by the e2e global setup and bench/.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const WRANGLER_ENV = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

/**
 * Applies every pending D1 migration (migrations/, in order) to the local D1 of a state dir:
 * `wrangler d1 migrations apply DB --local`, the same command `npm run dev` runs. options.config
 * is the wrangler config (its migrations_dir is resolved beside it).
 */
export function applyMigrations(persistTo, options = {}) {
  const config = options.config ?? join(ROOT, "wrangler.toml");
  const args = ["d1", "migrations", "apply", "DB", "--local", "--config", config, "--persist-to", persistTo];
  const run = spawnSync(WRANGLER, args, { cwd: ROOT, encoding: "utf8", env: WRANGLER_ENV });
  if (run.status !== 0) throw new Error(`d1 migrations apply failed: ${run.stderr || run.stdout}`);
  return run.stdout;
}

/**
 * Runs SQL against the local D1 of a state dir (`wrangler d1 execute --local`): options.file or
 * options.command, options.config. Returns the result rows of each statement when options.json.
 */
export function executeD1(persistTo, options) {
  const config = options.config ?? join(ROOT, "wrangler.toml");
  const args = ["d1", "execute", "DB", "--local", "--config", config, "--persist-to", persistTo];
  if (options.file) args.push("--file", options.file);
  else args.push("--command", options.command);
  if (options.json) args.push("--json");
  const run = spawnSync(WRANGLER, args, { cwd: ROOT, encoding: "utf8", env: WRANGLER_ENV });
  if (run.status !== 0) throw new Error(`d1 execute failed: ${run.stderr || run.stdout}`);
  return options.json ? JSON.parse(run.stdout).map((r) => r.results) : run.stdout;
}

/**
 * Starts the gateway. Options: vars (extra Worker vars), persistTo (reuse a state dir),
 * config (wrangler config path), adminToken, schema (false skips the D1 migrations), schemaFile
 * (a SQL file applied instead of the migrations, e.g. a baseline Worker's),
 * readyPath (polled until 200/503; default the gateway's health route), readyHeaders (sent with
 * that poll, e.g. an allowed CF-Connecting-IP when IP_ALLOWLIST is set), extraArgs (more
 * `wrangler dev` arguments, e.g. ["--test-scheduled"] for GET /__scheduled).
 * Resolves to {url, adminToken, persistTo, pid, stop, kill}.
 */
export async function startWranglerDev(options = {}) {
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "edgehook-state-"));
  const config = options.config ?? join(ROOT, "wrangler.toml");
  const adminToken = options.adminToken ?? "e2e-admin-token-0123456789abcdef";
  if (options.schemaFile) executeD1(persistTo, { config, file: resolve(ROOT, options.schemaFile) });
  else if (options.schema !== false) applyMigrations(persistTo, { config });
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  // Every test and benchmark client is 127.0.0.1: the per-IP limits are lifted unless a caller sets them.
  const perIp = { AUTH_FAILURES_PER_MINUTE: "1000000", RATE_LIMIT_IP_PER_MINUTE: "1000000" };
  const vars = { ADMIN_TOKEN: adminToken, ENCRYPTION_KEY: "ZTJlLWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLTAxMjM=", ALLOW_PRIVATE_DESTINATIONS: "true", AUTOMATION_WAKE_ON_START: "true", ...perIp, ...options.vars };
  const args = ["dev", "--config", config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", persistTo, "--show-interactive-dev-session=false", "--log-level", options.logLevel ?? "warn"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  args.push(...(options.extraArgs ?? []));
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: WRANGLER_ENV,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const readyPath = options.readyPath ?? "/webhooks/v2/health";
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}${readyPath}`, { headers: options.readyHeaders });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 503) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid, "SIGKILL");
      throw new Error(`wrangler dev did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    url,
    adminToken,
    persistTo,
    /** The port of wrangler's DevTools inspector proxy (one client at a time). */
    inspectorPort,
    /** The process group leader (`wrangler dev`); its group holds workerd too. */
    pid: child.pid,
    output: () => output,
    /** Graceful stop; removes the state dir unless keepState. */
    async stop({ keepState = false } = {}) {
      signalGroup("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      signalGroup("SIGKILL");
      if (!keepState && !options.persistTo) rmSync(persistTo, { recursive: true, force: true });
    },
    /** SIGKILL the whole process group (crash simulation); state is kept. */
    async kill() {
      signalGroup("SIGKILL");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}
