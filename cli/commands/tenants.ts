/** `tenants:*`: tenants (ADMIN_TOKEN only) and their portal links (the portal key is shown once). */
import { InvalidArgumentError, type Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { positiveInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { UsageError } from "../lib/errors.js";
import type { TableView } from "../output/format.js";
import { shortTime } from "../output/table.js";

type Tenant = components["schemas"]["Tenant"];
type CreateTenant = components["schemas"]["CreateTenant"];
type Portal = components["schemas"]["PortalToken"];
const TENANT = "/webhooks/v2/tenants/{id}";

const TENANTS_VIEW: TableView<{ items: Tenant[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (t: Tenant) => t.id },
    { header: "rate limit", value: (t: Tenant) => (t.rateLimit === null ? "-" : `${t.rateLimit}/h`) },
    { header: "created", value: (t: Tenant) => shortTime(t.createdAt) },
    { header: "name", value: (t: Tenant) => t.name, flex: true },
  ],
};

/** A tenant id: 1-64 chars of [a-z0-9][a-z0-9_-]*. */
function tenantId(value: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(value)) throw new InvalidArgumentError("expected 1-64 chars of [a-z0-9][a-z0-9_-]*");
  return value;
}

/** Seconds a portal link lives: 60..604800. */
function expiresIn(value: string): number {
  const n = positiveInt(value);
  if (n < 60 || n > 604_800) throw new InvalidArgumentError("expected 60..604800 seconds");
  return n;
}

/** Registers the `tenants:*` commands. */
export function registerTenants(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("tenants:list")
    .description("List tenants (ADMIN_TOKEN only)")
    .option("--limit <n>", "at most this many (1-100)", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (o) => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/tenants", { params: { query: { limit: o.limit, cursor: o.cursor } } })), TENANTS_VIEW);
    });

  program
    .command("tenants:create")
    .description("Create a tenant (ADMIN_TOKEN only); its id is generated when --id is absent")
    .requiredOption("--name <name>", "a name for people")
    .option("--id <id>", "1-64 chars of [a-z0-9][a-z0-9_-]*", tenantId)
    .option("--rate-limit <n>", "requests per hour for all its tokens together", positiveInt)
    .action(async (o) => {
      const body: CreateTenant = { name: o.name, id: o.id, rateLimit: o.rateLimit };
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/tenants", { body })));
    });

  program
    .command("tenants:info")
    .description("Show a tenant")
    .argument("<id>", "tenant id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.GET(TENANT, { params: { path: { id } } })));
    });

  program
    .command("tenants:update")
    .description("Rename a tenant or change its rate limit")
    .argument("<id>", "tenant id")
    .option("--name <name>", "new name")
    .option("--rate-limit <n|none>", "requests per hour for all its tokens together, or none")
    .action(async (id, o) => {
      // (parsed here: commander keeps the raw string when an option parser returns null)
      const limit = o.rateLimit;
      if (limit !== undefined && limit !== "none" && !/^[1-9]\d*$/.test(limit)) throw new UsageError("--rate-limit takes a positive integer or none");
      const rateLimit = limit === undefined ? undefined : limit === "none" ? null : Number(limit);
      const body: components["schemas"]["UpdateTenant"] = { name: o.name, rateLimit };
      if (Object.values(body).every((v) => v === undefined)) throw new UsageError("nothing to update: give --name or --rate-limit");
      ctx.print(ctx.unwrap(await ctx.client.PATCH(TENANT, { params: { path: { id } }, body })));
    });

  program
    .command("tenants:delete")
    .description("Delete a tenant; refused while it holds resources unless --force, which deletes them all")
    .argument("<id>", "tenant id")
    .option("--force", "also delete everything the tenant holds")
    .action(async (id, o) => {
      ctx.print(ctx.unwrap(await ctx.client.DELETE(TENANT, { params: { path: { id }, query: { force: o.force ? "true" : undefined } } })));
    });

  program
    .command("tenants:revoke-portal")
    .description("End every portal link of a tenant at once")
    .argument("<id>", "tenant id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/tenants/{id}/portal/revoke", { params: { path: { id } } })));
    });

  program
    .command("tenants:portal")
    .description("Issue a portal link for a tenant: its dashboard sign-in url (shown only now)")
    .argument("<id>", "tenant id")
    .option("--expires-in <seconds>", "how long the link works, 60..604800 (default 3600)", expiresIn)
    .option("--read-only", "the portal may only read")
    .action(async (id, o) => {
      const body = { expiresIn: o.expiresIn, readOnly: o.readOnly } as components["schemas"]["CreatePortalToken"];
      const data: Portal = ctx.unwrap(await ctx.client.POST("/webhooks/v2/tenants/{id}/portal", { params: { path: { id } }, body }));
      if (ctx.format === "json") return ctx.print(data);
      // In a table the url (longer than a table cell) follows on its own line, whole: the API gives
      // it below the origin, and the full url is what a person shares.
      const { url, ...rest } = data;
      ctx.print(rest);
      ctx.note(`sign-in url (shown only now):\n${new URL(url, ctx.connection().url).href}`);
    });
}
