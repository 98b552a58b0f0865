/** `tokens:*`: API tokens (the key is shown once, at creation). */
import type { Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { commaList, positiveInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { UsageError } from "../lib/errors.js";
import type { TableView } from "../output/format.js";
import { shortTime } from "../output/table.js";

type Token = components["schemas"]["Token"];
type CreateToken = components["schemas"]["CreateToken"];
const TOKEN = "/webhooks/v2/tokens/{id}";

const TOKENS_VIEW: TableView<{ items: Token[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (t: Token) => t.id },
    { header: "active", value: (t: Token) => (t.active ? "yes" : "no") },
    { header: "type", value: (t: Token) => t.type },
    { header: "name", value: (t: Token) => t.name, flex: true },
    { header: "scopes", value: (t: Token) => t.endpoints.join(","), flex: true },
    { header: "last used", value: (t: Token) => shortTime(t.lastUsedAt) },
  ],
};

/** Registers the `tokens:*` commands. */
export function registerTokens(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("tokens:list")
    .description("List API tokens")
    .option("--limit <n>", "at most this many (1-100)", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (o) => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/tokens", { params: { query: { limit: o.limit, cursor: o.cursor } } })), TOKENS_VIEW);
    });

  program
    .command("tokens:create")
    .description("Create an API token (its key is shown only now)")
    .requiredOption("--name <name>", "a name for people")
    .requiredOption("--scopes <scopes>", "task, notify, research, events, subscriptions, tokens, sources, admin or *; comma-separated", commaList)
    .option("--type <type>", "zapier, make, n8n, ifttt, custom, ... (default custom)")
    .option("--rate-limit <n>", "requests per hour", positiveInt)
    .option("--expires-at <iso>", "ISO-8601 expiry")
    .action(async (o) => {
      const body = { name: o.name, endpoints: o.scopes, type: o.type, rateLimit: o.rateLimit, expiresAt: o.expiresAt } as CreateToken;
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/tokens", { body })));
    });

  program
    .command("tokens:info")
    .description("Show a token (never its key)")
    .argument("<id>", "token id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.GET(TOKEN, { params: { path: { id } } })));
    });

  program
    .command("tokens:update")
    .description("Rename, re-scope, (de)activate or re-limit a token")
    .argument("<id>", "token id")
    .option("--name <name>", "new name")
    .option("--scopes <scopes>", "new scopes, comma-separated", commaList)
    .option("--active <yes|no>", "activate (yes) or deactivate (no)")
    .option("--rate-limit <n>", "requests per hour", positiveInt)
    .action(async (id, o) => {
      if (o.active !== undefined && !["yes", "no"].includes(o.active)) throw new UsageError("--active takes yes or no");
      const body = { name: o.name, endpoints: o.scopes, active: o.active === undefined ? undefined : o.active === "yes", rateLimit: o.rateLimit } as components["schemas"]["UpdateToken"];
      if (Object.values(body).every((v) => v === undefined)) throw new UsageError("nothing to update: give --name, --scopes, --active or --rate-limit");
      ctx.print(ctx.unwrap(await ctx.client.PATCH(TOKEN, { params: { path: { id } }, body })));
    });

  program
    .command("tokens:revoke")
    .description("Revoke (delete) a token; it is refused within 60 s")
    .argument("<id>", "token id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.DELETE(TOKEN, { params: { path: { id } } })));
    });
}
