/** `sources:*`: the tenant's inbound sources (`/sources/<provider>/<id>`) and the default tenant's per-provider urls. */
import { Option, type Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { commaList, positiveInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { UsageError } from "../lib/errors.js";
import type { TableView } from "../output/format.js";

type Source = components["schemas"]["Source"];
type TenantSource = components["schemas"]["TenantSource"];
type Provider = Source["provider"];
type Settings = components["schemas"]["TenantSourceSettings"];
const SOURCE = "/webhooks/v2/sources/{provider}";
const TENANT_SOURCE = "/webhooks/v2/sources/{provider}/{id}";
const PROVIDERS_HELP = "github, stripe, slack, linear, standard, shopify or generic";

const TENANT_SOURCES_VIEW: TableView<{ items: TenantSource[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (s: TenantSource) => s.id },
    { header: "provider", value: (s: TenantSource) => s.provider },
    { header: "name", value: (s: TenantSource) => s.name ?? "", flex: true },
    { header: "on", value: (s: TenantSource) => (s.enabled ? "yes" : "no") },
    { header: "events", value: (s: TenantSource) => (s.events ? s.events.join(",") : "*"), flex: true },
  ],
};

const PROVIDERS_VIEW: TableView<{ providers: Source[] }> = {
  kind: "list",
  rows: (d) => d.providers,
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
    .description("The tenant's inbound sources (each at /sources/<provider>/<id>)")
    .option("--limit <n>", "at most this many (1-100)", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (o) => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/sources", { params: { query: { limit: o.limit, cursor: o.cursor } } })), TENANT_SOURCES_VIEW);
    });

  program
    .command("sources:create")
    .description("Create an inbound source in the tenant; prints its id and url (the secret is never shown again)")
    .requiredOption("--provider <provider>", PROVIDERS_HELP)
    .option("--name <name>", "a label; for generic, the event-type prefix (<name>.<type>)")
    .option("--secret <secret>", "a signing secret; repeat during a rotation", (v: string, all: string[] = []) => [...all, v])
    .option("--events <types>", "accept only these event types (github.push, github.*), comma-separated", commaList)
    .option("--disabled", "create it refusing deliveries")
    .option("--tolerance <seconds>", "timestamp tolerance", positiveInt)
    .option("--header <name>", "generic: the signature header (default X-Signature)")
    .addOption(new Option("--algorithm <alg>", "generic: HMAC hash").choices(["sha256", "sha512"] as const))
    .addOption(new Option("--encoding <enc>", "generic: signature encoding").choices(["hex", "base64"] as const))
    .option("--prefix <prefix>", "generic: text before the signature (sha256=)")
    .option("--event-type-header <name>", "generic: header naming the event type")
    .option("--delivery-id-header <name>", "generic: header carrying the delivery id")
    .action(async (o) => {
      if (!o.secret?.length) throw new UsageError("give at least one --secret");
      const settings: Settings = { toleranceSeconds: o.tolerance, header: o.header, algorithm: o.algorithm, encoding: o.encoding, prefix: o.prefix, eventTypeHeader: o.eventTypeHeader, deliveryIdHeader: o.deliveryIdHeader };
      const given = Object.values(settings).some((v) => v !== undefined);
      const body = {
        provider: o.provider as Provider,
        name: o.name,
        ...(o.secret.length === 1 ? { secret: o.secret[0] } : { secrets: o.secret }),
        enabled: !o.disabled,
        events: o.events,
        ...(given ? { settings } : {}),
      } as components["schemas"]["CreateTenantSource"];
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/sources", { body })));
    });

  program
    .command("sources:update")
    .description("Change a source's name, secret(s), enabled or events allowlist")
    .argument("<provider>", PROVIDERS_HELP)
    .argument("<id>", "the source id (src_…)")
    .option("--name <name>", "new label (generic: new event-type prefix)")
    .option("--secret <secret>", "replace the secrets; repeat during a rotation", (v: string, all: string[] = []) => [...all, v])
    .option("--enabled <yes|no>", "accept (yes) or refuse (no) deliveries")
    .option("--events <types>", "accepted event types, comma-separated; * accepts every type", commaList)
    .action(async (provider, id, o) => {
      if (o.enabled !== undefined && !["yes", "no"].includes(o.enabled)) throw new UsageError("--enabled takes yes or no");
      const body = {
        name: o.name,
        ...(o.secret?.length ? { secrets: o.secret } : {}),
        enabled: o.enabled === undefined ? undefined : o.enabled === "yes",
        events: o.events === undefined ? undefined : o.events.includes("*") ? null : o.events,
      } as components["schemas"]["UpdateTenantSource"];
      if (Object.values(body).every((v) => v === undefined)) throw new UsageError("nothing to update: give --name, --secret, --enabled or --events");
      ctx.print(ctx.unwrap(await ctx.client.PATCH(TENANT_SOURCE, { params: { path: { provider, id } }, body })));
    });

  program
    .command("sources:providers")
    .description("The default tenant's per-provider urls (/sources/<provider>) and whether each is configured")
    .action(async () => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/sources", { params: { query: { limit: 1 } } })), PROVIDERS_VIEW);
    });

  program
    .command("sources:info")
    .description("One source (with an id) or one provider's per-provider configuration (never secrets)")
    .argument("<provider>", PROVIDERS_HELP)
    .argument("[id]", "the source id (src_…)")
    .action(async (provider, id) => {
      const p = provider as Provider;
      if (id) ctx.print(ctx.unwrap(await ctx.client.GET(TENANT_SOURCE, { params: { path: { provider: p, id } } })));
      else ctx.print(ctx.unwrap(await ctx.client.GET(SOURCE, { params: { path: { provider: p } } })));
    });

  program
    .command("sources:configure")
    .description("Set a provider's per-provider signing secret(s) (the default tenant's; replaces its Worker secret)")
    .argument("<provider>", PROVIDERS_HELP)
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
    .description("Delete a source (with an id), or a provider's per-provider configuration (its Worker secret applies again)")
    .argument("<provider>", PROVIDERS_HELP)
    .argument("[id]", "the source id (src_…)")
    .action(async (provider, id) => {
      const p = provider as Provider;
      if (id) ctx.print(ctx.unwrap(await ctx.client.DELETE(TENANT_SOURCE, { params: { path: { provider: p, id } } })));
      else ctx.print(ctx.unwrap(await ctx.client.DELETE(SOURCE, { params: { path: { provider: p } } })));
    });
}
