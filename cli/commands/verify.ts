/** `verify`: checks a delivery's signature (Standard Webhooks or X-Webhook) over the body read from stdin. */
import type { Command } from "@commander-js/extra-typings";
import { nonNegativeInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { CommandFailure, UsageError } from "../lib/errors.js";
import { readAll } from "../lib/prompt.js";
import { verifySignature } from "../lib/signature.js";

/** Registers `verify`. */
export function registerVerify(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("verify")
    .description("Check a signature over the body on stdin: exit 0 valid, 1 not")
    .requiredOption("--secret <secret>", "the subscription's (or listen's) signing secret")
    .option("--id <id>", "webhook-id (Standard Webhooks)")
    .option("--timestamp <ts>", "webhook-timestamp (unix s) or X-Webhook-Timestamp (unix ms)")
    .option("--signature <sig>", "webhook-signature (v1,...) or X-Webhook-Signature (sha256=...)")
    .option("--tolerance <seconds>", "largest distance of the timestamp from now; 0 = no check", nonNegativeInt, 300)
    .action(async (o) => {
      if (!o.signature || !o.timestamp) throw new UsageError("give --signature and --timestamp (and --id for Standard Webhooks)");
      const body = (await readAll(ctx.io.stdin)).toString("utf8");
      const verdict = await verifySignature(o.secret, body, { signature: o.signature, timestamp: o.timestamp, id: o.id }, { toleranceSeconds: o.tolerance });
      if (ctx.format === "json") ctx.io.stdout.write(`${JSON.stringify(verdict)}\n`);
      else if (verdict.valid) ctx.io.stdout.write(`valid (${verdict.scheme})\n`);
      if (!verdict.valid) throw new CommandFailure(`invalid signature: ${verdict.reason}`);
    });
}
