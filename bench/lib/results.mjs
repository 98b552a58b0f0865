// Writes scenario results and the run summary (with machine info) under bench/results/.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { arch, cpus, freemem, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url));

/** What the numbers were measured on: CPUs, memory, load, Node and wrangler versions, date. */
export function machineInfo() {
  const list = cpus();
  let wrangler = null;
  try {
    wrangler = JSON.parse(readFileSync(fileURLToPath(new URL("../../node_modules/wrangler/package.json", import.meta.url)), "utf8")).version;
  } catch {
    /* not installed */
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    wrangler,
    platform: `${platform()} ${release()} ${arch()}`,
    cpus: list.length,
    cpuModel: list[0]?.model ?? null,
    totalMemMB: Math.round(totalmem() / 2 ** 20),
    freeMemMB: Math.round(freemem() / 2 ** 20),
    loadavg: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

function writeJson(path, value) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Writes bench/results/<name>.json and returns its path. */
export function writeResult(name, record) {
  const path = join(RESULTS_DIR, `${name}.json`);
  writeJson(path, record);
  return path;
}

/**
 * Updates bench/results/summary.json: machine info of this run, and one entry per scenario
 * (entries of scenarios not run this time are kept with their own dates).
 */
export function writeSummary(machine, entries) {
  const path = join(RESULTS_DIR, "summary.json");
  let previous = {};
  try {
    previous = JSON.parse(readFileSync(path, "utf8")).scenarios ?? {};
  } catch {
    /* first run */
  }
  const scenarios = { ...previous };
  for (const entry of entries) scenarios[entry.name] = entry;
  writeJson(path, { machine, scenarios });
  return path;
}
