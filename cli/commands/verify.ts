/** `verify`: checks a delivery's signature (Standard Webhooks v1 / v1a or X-Webhook) over the body read from stdin. */
import type { Command } from "@commander-js/extra-typings";
import { nonNegativeInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { CommandFailure, UsageError } from "../lib/errors.js";
import { readAll } from "../lib/prompt.js";
import { verifySignature, verifyWithPublicKey } from "../lib/signature.js";

/** Registers `verify`. */
export function registerVerify(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("verify")
    .description("Check a signature over the body on stdin: exit 0 valid, 1 not")
    .option("--secret <secret>", "the subscription's (or listen's) signing secret (v1, sha256=)")
    .option("--public-key <key>", "the subscription's Ed25519 public key, whpk_… (v1a)")
    .option("--id <id>", "webhook-id (Standard Webhooks)")
    .option("--timestamp <ts>", "webhook-timestamp (unix s) or X-Webhook-Timestamp (unix ms)")
    .option("--signature <sig>", "webhook-signature (v1,...) or X-Webhook-Signature (sha256=...)")
    .option("--tolerance <seconds>", "largest distance of the timestamp from now; 0 = no check", nonNegativeInt, 300)
    .action(async (o) => {
      if (!o.signature || !o.timestamp) throw new UsageError("give --signature and --timestamp (and --id for Standard Webhooks)");
      if ((o.secret === undefined) === (o.publicKey === undefined)) throw new UsageError("give --secret or --public-key (one of them)");
      const body = (await readAll(ctx.io.stdin)).toString("utf8");
      const claim = { signature: o.signature, timestamp: o.timestamp, id: o.id };
      const options = { toleranceSeconds: o.tolerance };
      const verdict = o.publicKey !== undefined ? await verifyWithPublicKey(o.publicKey, body, claim, options) : await verifySignature(o.secret!, body, claim, options);
      if (ctx.format === "json") ctx.io.stdout.write(`${JSON.stringify(verdict)}\n`);
      else if (verdict.valid) ctx.io.stdout.write(`valid (${verdict.scheme})\n`);
      if (!verdict.valid) throw new CommandFailure(`invalid signature: ${verdict.reason}`);
    });
}
