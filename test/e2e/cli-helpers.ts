// Running the edgehook CLI in tests: in-process (cli/main.ts `run`) or as a real child process
// (`node cli/bin.mjs`, the package bin), with checks every run must pass (tables fit 80 columns,
// json output is JSON, the token never shows up in the output).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Middleware } from "openapi-fetch";
import { expect } from "vitest";
import { run } from "../../cli/main";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = join(ROOT, "cli", "bin.mjs");

/** What one CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one run. */
export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
}

/** Runs the CLI one way or the other. */
export type CliRunner = (argv: string[], options?: CliRunOptions) => Promise<CliResult>;

/** A fresh XDG_CONFIG_HOME/HOME, so no developer profile leaks into a test. */
export function isolatedHome(): string {
  return mkdtempSync(join(tmpdir(), "edgehook-cli-"));
}

/** Builds cli/dist (what the bin runs) from the current sources; esbuild takes well under a second. */
export function buildCli(): void {
  const build = spawnSync("npm", ["run", "--silent", "build:cli"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`build:cli failed: ${build.stderr}${build.stdout}`);
}

/** Commands whose output is messages and event lines, not tables (paths and urls may be long). */
const FREE_TEXT = new Set(["login", "listen", "events:tail", "tenants:portal"]);

/** Checks every run must pass: tables fit 80 columns, `--format json` stdout is JSON, no secret token leaks. */
export function expectWellBehaved(argv: string[], result: CliResult, secrets: string[]): void {
  for (const secret of secrets) {
    expect(result.stdout, "token on stdout").not.toContain(secret);
    expect(result.stderr, "token on stderr").not.toContain(secret);
  }
  if (result.code !== 0) return;
  const i = argv.indexOf("--format");
  const format = i >= 0 ? argv[i + 1] : "table";
  if (format === "json" && result.stdout.trim()) expect(() => JSON.parse(result.stdout), result.stdout).not.toThrow();
  if (format === "table" && !FREE_TEXT.has(argv[0] ?? "")) for (const line of result.stdout.split("\n")) expect([...line].length, line).toBeLessThanOrEqual(80);
}

/** An in-process runner with a base environment; `middleware` sees every API call. */
export function inProcessRunner(baseEnv: Record<string, string | undefined>, secrets: string[], middleware: Middleware[] = []): CliRunner {
  return async (argv, options = {}) => {
    let stdout = "";
    let stderr = "";
    const code = await run(argv, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Object.assign(Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]), { isTTY: false }),
      env: { ...baseEnv, ...options.env },
      middleware,
    });
    const result = { code, stdout, stderr };
    expectWellBehaved(argv, result, secrets);
    return result;
  };
}

/** A runner that spawns `node cli/bin.mjs` (the package bin) with only the given environment. */
export function childProcessRunner(baseEnv: Record<string, string | undefined>, secrets: string[]): CliRunner {
  return async (argv, options = {}) => {
    const child = startCli(argv, { ...baseEnv, ...options.env });
    child.stdin?.end(options.stdin ?? "");
    const result = await child.done;
    expectWellBehaved(argv, result, secrets);
    return result;
  };
}

/** A running CLI child process, its output so far, and its result once it exits. */
export interface CliProcess {
  child: ChildProcess;
  stdin: ChildProcess["stdin"];
  output: () => CliResult;
  done: Promise<CliResult>;
}

/** Spawns the bin; `env` is the whole environment (plus PATH) so nothing from the developer's leaks in. */
export function startCli(argv: string[], env: Record<string, string | undefined>): CliProcess {
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { child, stdin: child.stdin, output: () => ({ code: child.exitCode ?? -1, stdout, stderr }), done };
}

/** Resolves once `check` holds for the process's output; fails after timeoutMs with what it printed. */
export async function waitForOutput(proc: CliProcess, check: (out: CliResult) => boolean, timeoutMs = 20_000): Promise<CliResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = proc.output();
    if (check(out)) return out;
    if (proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`CLI output never matched:\n${out.stdout}\n${out.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
