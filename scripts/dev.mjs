// `npm run dev`: makes .dev.vars if missing (random ADMIN_TOKEN and ENCRYPTION_KEY, printed once),
// applies schema.sql to the local D1 (idempotent), then starts `wrangler dev` (default port 8787).
// Extra arguments pass through: `npm run dev -- --port 9000`.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const devVars = `${root}.dev.vars`;
const args = process.argv.slice(2);

if (!existsSync(devVars)) {
  const adminToken = `ehk_${randomBytes(32).toString("base64url")}`;
  const encryptionKey = randomBytes(32).toString("base64");
  writeFileSync(devVars, `ADMIN_TOKEN=${adminToken}\nENCRYPTION_KEY=${encryptionKey}\nALLOW_PRIVATE_DESTINATIONS=true\nAUTOMATION_WAKE_ON_START=true\n`, { mode: 0o600 });
  console.log(`\nCreated .dev.vars. Your dev admin token (shown once, kept in .dev.vars):\n\n  ${adminToken}\n`);
}

const persist = args.includes("--persist-to") ? ["--persist-to", args[args.indexOf("--persist-to") + 1]] : [];
const applied = spawnSync("wrangler", ["d1", "execute", "DB", "--local", "--file", "schema.sql", ...persist], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
if (applied.status !== 0) {
  console.error("Applying schema.sql to the local D1 failed.");
  process.exit(applied.status ?? 1);
}
console.log("Applied schema.sql to the local D1.");

const port = args.includes("--port") ? [] : ["--port", "8787"];
const dev = spawn("wrangler", ["dev", ...port, ...args], { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
