/** `inspectors:*` (request bins) and `integrations:list` (the ready-destination catalogue). */
import type { Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { positiveInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import type { TableView } from "../output/format.js";
import { shortTime } from "../output/table.js";

type Inspector = components["schemas"]["Inspector"];
type InspectedRequest = components["schemas"]["InspectedRequest"];
type Integration = components["schemas"]["Integration"];
type Category = Integration["category"];
const INSPECTOR = "/webhooks/v2/inspectors/{id}";

const INSPECTORS_VIEW: TableView<{ items: Inspector[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (i: Inspector) => i.id },
    { header: "created", value: (i: Inspector) => shortTime(i.createdAt) },
    { header: "name", value: (i: Inspector) => i.name ?? "", flex: true },
    { header: "url", value: (i: Inspector) => i.url, flex: true },
  ],
};

const REQUESTS_VIEW: TableView<{ items: InspectedRequest[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (r: InspectedRequest) => r.id },
    { header: "time", value: (r: InspectedRequest) => shortTime(r.receivedAt) },
    { header: "method", value: (r: InspectedRequest) => r.method },
    { header: "bytes", value: (r: InspectedRequest) => r.bodySize },
    { header: "path", value: (r: InspectedRequest) => `${r.path || "/"}${r.query ? `?${r.query}` : ""}`, flex: true },
  ],
};

const INTEGRATIONS_VIEW: TableView<{ items: Integration[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (i: Integration) => i.id },
    { header: "category", value: (i: Integration) => i.category },
    { header: "name", value: (i: Integration) => i.name, flex: true },
    { header: "params", value: (i: Integration) => i.params.map((p) => p.name).join(","), flex: true },
  ],
};

/** Registers the `inspectors:*` and `integrations:list` commands. */
export function registerInspectors(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("inspectors:create")
    .description("Create a request bin: anything sent to its url is recorded")
    .option("--name <name>", "a name for people")
    .action(async (o) => {
      // The route reads its optional {name} body itself, so the document declares no body: hence the cast.
      const body = { name: o.name } as never;
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/inspectors", { body })));
    });

  program
    .command("inspectors:list")
    .description("List request bins")
    .action(async () => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/inspectors")), INSPECTORS_VIEW);
    });

  program
    .command("inspectors:requests")
    .description("The requests a bin recorded, newest first; with --request, one in full")
    .argument("<id>", "the inspector id (insp_…)")
    .option("--request <requestId>", "show this recorded request with headers and body")
    .option("--limit <n>", "at most this many (1-100)", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (id, o) => {
      if (o.request) {
        const path = { id, requestId: o.request };
        ctx.print(ctx.unwrap(await ctx.client.GET(`${INSPECTOR}/requests/{requestId}`, { params: { path } })));
        return;
      }
      const query = { limit: o.limit, cursor: o.cursor };
      ctx.print(ctx.unwrap(await ctx.client.GET(`${INSPECTOR}/requests`, { params: { path: { id }, query } })), REQUESTS_VIEW);
    });

  program
    .command("inspectors:delete")
    .description("Delete a request bin and what it recorded")
    .argument("<id>", "the inspector id (insp_…)")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.DELETE(INSPECTOR, { params: { path: { id } } })));
    });

  program
    .command("integrations:list")
    .description("Ready destinations for webhooks:create-style subscriptions (integration: {id, params})")
    .option("--category <category>", "chat, incident, automation, messaging, email, work-tracking, data or webhook")
    .action(async (o) => {
      const query = { category: o.category as Category | undefined };
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/integrations", { params: { query } })), INTEGRATIONS_VIEW);
    });
}
