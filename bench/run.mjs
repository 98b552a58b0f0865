// `npm run bench [-- name ...] [--duration=s --warmup=s --connections=n --timeout=s]`: runs the
// bench/*.mjs scenarios one after another, each bounded in time, prints a table per scenario and
// writes bench/results/<name>.json and bench/results/summary.json.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { killChildGroups } from "./lib/procs.mjs";
import { machineInfo, writeResult, writeSummary } from "./lib/results.mjs";
import { stopAll } from "./lib/servers.mjs";
import { printResult } from "./lib/table.mjs";

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const NUMERIC_FLAGS = new Set(["duration", "warmup", "connections", "rounds", "timeout"]);

const EXPORTS_RUN = /^export\s+(async\s+)?function\s+run\s*\(|^export\s*\{[^}]*\brun\b/m;

/**
 * Scenario names: the bench/*.mjs files that export run(), read as text so that a stand-alone
 * script (which does its work when imported) is never executed by discovery. Helpers live in bench/lib/.
 */
function discover() {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(".mjs") && f !== "run.mjs" && EXPORTS_RUN.test(readFileSync(`${BENCH_DIR}${f}`, "utf8")))
    .map((f) => f.slice(0, -".mjs".length))
    .sort();
}

function parseArgs(argv) {
  const names = [];
  const flags = {};
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) {
      names.push(arg.replace(/\.mjs$/, ""));
      continue;
    }
    const [, key, raw = "true"] = match;
    if (NUMERIC_FLAGS.has(key)) {
      const value = Number(raw);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`--${key} needs a positive number`);
      flags[key] = value;
    } else flags[key] = raw;
  }
  return { names, flags };
}

/** Runs one scenario module under a deadline; the signal tells it to stop, stopAll cleans up servers. */
async function runScenario(name, flags) {
  const mod = await import(pathToFileURL(`${BENCH_DIR}${name}.mjs`).href);
  if (typeof mod.run !== "function") throw new Error(`bench/${name}.mjs does not export run(options)`);
  const timeoutMs = flags.timeout ? flags.timeout * 1000 : (mod.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const controller = new AbortController();
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs / 1000} s`));
      reject(controller.signal.reason);
    }, timeoutMs);
  });
  const { timeout: _timeout, ...scenarioFlags } = flags;
  const options = { ...scenarioFlags, signal: controller.signal, log: (msg) => process.stderr.write(`[${name}] ${msg}\n`) };
  try {
    return await Promise.race([mod.run(options), deadline]);
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort(new Error("scenario finished"));
    await stopAll();
    const leftover = killChildGroups();
    if (leftover.length) process.stderr.write(`[${name}] killed process groups it left running: ${leftover.join(", ")}\n`);
  }
}

async function main() {
  const { names, flags } = parseArgs(process.argv.slice(2));
  const available = discover();
  if (flags.list) {
    console.log(available.join("\n"));
    return 0;
  }
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(", ")}; available: ${available.join(", ")}`);
    return 2;
  }
  const selected = names.length ? names : available;
  const machine = machineInfo();
  console.log(`bench: ${selected.join(", ")} on ${machine.cpus}× ${machine.cpuModel ?? "cpu"}, node ${machine.node}, wrangler ${machine.wrangler}`);
  const entries = [];
  for (const name of selected) {
    const startedAt = new Date();
    const record = { name, startedAt: startedAt.toISOString(), options: flags, machine };
    try {
      record.result = await runScenario(name, flags);
      record.ok = true;
      printResult(name, record.result);
    } catch (error) {
      record.ok = false;
      record.error = error instanceof Error ? error.message : String(error);
      console.error(`\n== ${name} == FAILED: ${record.error}`);
    }
    record.elapsedMs = Date.now() - startedAt.getTime();
    writeResult(name, record);
    const headline = record.result?.headline ?? null;
    entries.push({ name, ok: record.ok, date: record.startedAt, elapsedMs: record.elapsedMs, ...(headline ? { headline } : {}), ...(record.error ? { error: record.error } : {}) });
  }
  const path = writeSummary(machine, entries);
  console.log(`\nresults: bench/results/ (summary: ${path})`);
  return entries.every((e) => e.ok) ? 0 : 1;
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    stopAll().finally(() => {
      killChildGroups();
      process.exit(130);
    });
  });
}

main().then(
  (code) => process.exit(code),
  async (error) => {
    console.error(error instanceof Error ? error.message : error);
    await stopAll();
    killChildGroups();
    process.exit(1);
  },
);
