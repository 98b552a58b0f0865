/** `webhooks:verify|health|public-key`: a subscription's endpoint checks and its Ed25519 public key. */
import type { Command } from "@commander-js/extra-typings";
import type { CommandContext } from "../lib/context.js";

/** Registers the endpoint commands. */
export function registerEndpointCommands(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("webhooks:verify")
    .description("Send webhook.verification {challenge}; an answer carrying the challenge verifies the endpoint")
    .argument("<id>", "subscription id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/subscriptions/{id}/verify", { params: { path: { id } } })));
    });

  program
    .command("webhooks:health")
    .description("Probe the endpoint now (HEAD, GET when HEAD is 405; 5 s)")
    .argument("<id>", "subscription id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/subscriptions/{id}/health", { params: { path: { id } } })));
    });

  program
    .command("webhooks:public-key")
    .description("The Ed25519 public key (whpk_…) that checks the subscription's v1a signatures")
    .argument("<id>", "subscription id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/subscriptions/{id}/public-key", { params: { path: { id } } })));
    });
}
