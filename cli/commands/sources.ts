/** `sources:*`: inbound provider sources (GitHub, Stripe, Slack, Linear, Standard Webhooks, Shopify, generic). */
import type { Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { positiveInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { UsageError } from "../lib/errors.js";
import type { TableView } from "../output/format.js";

type Source = components["schemas"]["Source"];
type Provider = Source["provider"];
const SOURCE = "/webhooks/v2/sources/{provider}";

const SOURCES_VIEW: TableView<{ items: Source[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "provider", value: (s: Source) => s.provider },
    { header: "configured", value: (s: Source) => (s.configured ? (s.origin ?? "yes") : "no") },
    { header: "enabled", value: (s: Source) => (s.enabled ? "yes" : "no") },
    { header: "secrets", value: (s: Source) => s.secretCount },
    { header: "url", value: (s: Source) => s.url, flex: true },
  ],
};

/** Registers the `sources:*` commands. */
export function registerSources(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("sources:list")
    .description("Every inbound provider and whether it is configured")
    .action(async () => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/sources")), SOURCES_VIEW);
    });

  program
    .command("sources:info")
    .description("One provider's configuration (never its secrets)")
    .argument("<provider>", "github, stripe, slack, linear, standard, shopify or generic")
    .action(async (provider) => {
      ctx.print(ctx.unwrap(await ctx.client.GET(SOURCE, { params: { path: { provider: provider as Provider } } })));
    });

  program
    .command("sources:configure")
    .description("Set a provider's signing secret(s) (replaces its Worker secret)")
    .argument("<provider>", "github, stripe, slack, linear, standard, shopify or generic")
    .option("--secret <secret>", "a signing secret; repeat during a rotation", (v: string, all: string[] = []) => [...all, v])
    .option("--disabled", "keep the configuration but refuse deliveries")
    .option("--tolerance <seconds>", "timestamp tolerance", positiveInt)
    .action(async (provider, o) => {
      if (!o.secret?.length) throw new UsageError("give at least one --secret");
      const body = { secrets: o.secret, enabled: !o.disabled, toleranceSeconds: o.tolerance } as components["schemas"]["PutSource"];
      ctx.print(ctx.unwrap(await ctx.client.PUT(SOURCE, { params: { path: { provider: provider as Provider } }, body })));
    });

  program
    .command("sources:delete")
    .description("Remove a provider's stored configuration (its Worker secret applies again)")
    .argument("<provider>", "github, stripe, slack, linear, standard, shopify or generic")
    .action(async (provider) => {
      ctx.print(ctx.unwrap(await ctx.client.DELETE(SOURCE, { params: { path: { provider: provider as Provider } } })));
    });
}
