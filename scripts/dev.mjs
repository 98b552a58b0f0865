// `npm run dev`: makes .dev.vars if missing (random ADMIN_TOKEN and ENCRYPTION_KEY), warns about
// .dev.vars keys that will not reach the Worker, applies the pending D1 migrations to the local D1
// (`wrangler d1 migrations apply DB --local`), then starts `wrangler dev` (default port 8787) and,
// once it is ready, prints the admin token below wrangler's binding tables. Extra arguments pass
// through: `npm run dev -- --port 9000`.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkDevVars, parseDotenv, readWranglerToml } from "./dev-vars.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const devVarsPath = `${root}.dev.vars`;
const args = process.argv.slice(2);

if (!existsSync(devVarsPath)) {
  const adminToken = `ehk_${randomBytes(32).toString("base64url")}`;
  const encryptionKey = randomBytes(32).toString("base64");
  writeFileSync(devVarsPath, `ADMIN_TOKEN=${adminToken}\nENCRYPTION_KEY=${encryptionKey}\nALLOW_PRIVATE_DESTINATIONS=true\nAUTOMATION_WAKE_ON_START=true\n`, { mode: 0o600 });
  console.log("\nCreated .dev.vars (a random ADMIN_TOKEN and ENCRYPTION_KEY; provider secrets go there too).");
}

const devVars = parseDotenv(readFileSync(devVarsPath, "utf8"));
const { vars, requiredSecrets } = readWranglerToml(readFileSync(`${root}wrangler.toml`, "utf8"));
const known = Object.keys(parseDotenv(readFileSync(`${root}.dev.vars.example`, "utf8")));
const { dropped, unknown } = checkDevVars({ devVars, vars, requiredSecrets, known });
for (const key of dropped) console.warn(`warning: .dev.vars ${key} will not reach the Worker (wrangler.toml [secrets] required does not list it)`);
for (const key of unknown) console.warn(`warning: .dev.vars ${key} is not a setting edgehook reads (see .dev.vars.example and docs/OPERATIONS.md)`);

const persist = args.includes("--persist-to") ? ["--persist-to", args[args.indexOf("--persist-to") + 1]] : [];
// A database made before migrations existed (by schema.sql) takes 0001 as a no-op and keeps its rows.
const applied = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", ...persist], { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "true" } });
if (applied.status !== 0) {
  console.error("Applying the D1 migrations to the local D1 failed.");
  process.exit(applied.status ?? 1);
}
console.log("Applied the D1 migrations (migrations/) to the local D1.");

const port = args.includes("--port") ? [] : ["--port", "8787"];
// stdout is piped (and passed through) only to print the admin token after wrangler's tables.
const dev = spawn("wrangler", ["dev", ...port, ...args], { cwd: root, stdio: ["inherit", "pipe", "inherit"] });
let ready = false;
dev.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const url = !ready && /Ready on (\S+)/.exec(String(chunk))?.[1];
  if (!url) return;
  ready = true;
  console.log(`\nedgehook admin token (ADMIN_TOKEN, kept in .dev.vars):\n  ${devVars.ADMIN_TOKEN ?? "(not set: add ADMIN_TOKEN to .dev.vars)"}`);
  console.log(`First calls: README.md "First calls"; API docs: ${url}/webhooks/v2/docs\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
