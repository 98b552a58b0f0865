/** `login --url U --token T [--profile P]`: saves a profile (mode 0600) for later commands. */
import type { Command } from "@commander-js/extra-typings";
import { configPath, writeProfile } from "../config/profile.js";
import { httpUrl } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { UsageError } from "../lib/errors.js";
import { readAll } from "../lib/prompt.js";

/** Registers `login`. */
export function registerLogin(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("login")
    .description("Save the gateway url and a token as a profile (--token - reads the token from stdin)")
    .requiredOption("--url <url>", "the gateway's origin, e.g. http://127.0.0.1:8787", httpUrl)
    .action(async (o) => {
      const globals = ctx.globals();
      let token = globals.token ?? ctx.io.env.EDGEHOOK_TOKEN;
      if (token === "-") token = (await readAll(ctx.io.stdin)).toString("utf8").trim();
      if (!token) throw new UsageError("give --token TOKEN (or --token - to read it from stdin, or set EDGEHOOK_TOKEN)");
      const profile = globals.profile || ctx.io.env.EDGEHOOK_PROFILE || "default";
      const path = configPath(ctx.io.env);
      writeProfile(path, profile, { url: new URL(o.url).origin, token });
      ctx.note(`Saved profile "${profile}" (${new URL(o.url).origin}) to ${path}`);
    });
}
