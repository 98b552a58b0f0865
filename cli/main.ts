/** The `edgehook` command line: builds the commands and runs one invocation, returning its exit code. */
import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { registerAutomation } from "./commands/automation.js";
import { registerEventLog } from "./commands/event-log.js";
import { registerDestinations } from "./commands/destinations.js";
import { registerEndpointCommands } from "./commands/endpoint.js";
import { registerEvents } from "./commands/events.js";
import { registerInspectors } from "./commands/inspectors.js";
import { registerListen } from "./commands/listen.js";
import { registerLogin } from "./commands/login.js";
import { registerOps } from "./commands/ops.js";
import { registerSources } from "./commands/sources.js";
import { registerTenants } from "./commands/tenants.js";
import { registerTokens } from "./commands/tokens.js";
import { registerVerify } from "./commands/verify.js";
import { registerWebhooks } from "./commands/webhooks.js";
import { CommandContext, type Io } from "./lib/context.js";
import { ApiError, CommandFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./lib/errors.js";
import { CLI_VERSION } from "./lib/version.js";
import { FORMATS } from "./output/format.js";
import { TABLE_WIDTH } from "./output/table.js";

export type { Io };

/** The program with every command; `ctx` is filled in per run. */
export function buildProgram(io: Io) {
  const helpWidth = (io.stdout as { columns?: number }).columns ?? TABLE_WIDTH;
  const program = new Command("edgehook")
    .description("edgehook webhook gateway from the terminal")
    .version(CLI_VERSION)
    .option("--api-url <url>", "the gateway's origin (else EDGEHOOK_URL, else the profile)")
    .option("--token <token>", "API token (else EDGEHOOK_TOKEN, else the profile)")
    .option("--profile <name>", "profile in the config file (else EDGEHOOK_PROFILE, else default)")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table" as const))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), getOutHelpWidth: () => helpWidth, getErrHelpWidth: () => helpWidth })
    // Command names alone in the overview keep the help within 80 columns; each command's --help shows its flags.
    .configureHelp({ subcommandTerm: (cmd) => cmd.name() })
    .showSuggestionAfterError();
  const ctx = new CommandContext(io, () => program.opts());
  registerLogin(program, ctx);
  registerWebhooks(program, ctx);
  registerEndpointCommands(program, ctx);
  registerDestinations(program, ctx);
  registerEvents(program, ctx);
  registerListen(program, ctx);
  registerTokens(program, ctx);
  registerTenants(program, ctx);
  registerSources(program, ctx);
  registerInspectors(program, ctx);
  registerEventLog(program, ctx);
  registerAutomation(program, ctx);
  registerOps(program, ctx);
  registerVerify(program, ctx);
  return program;
}

/** Runs `edgehook <argv...>`: 0 success, 1 API error or failure (message on stderr), 2 usage error. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; everything else commander reports is a usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ApiError) {
      io.stderr.write(`error: ${error.message} (${error.code}, HTTP ${error.status}${error.requestId ? `, request ${error.requestId}` : ""})\n`);
      return EXIT_FAILURE;
    }
    if (error instanceof CommandFailure) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    io.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    return EXIT_FAILURE;
  }
}

/** The process entry (cli/bin.mjs): real stdio and environment, Ctrl-C ends streaming commands cleanly. */
export async function main(): Promise<void> {
  const abort = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => abort.abort());
  process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: abort.signal });
}
