/** `events:list` and `events:info`: the stored event log (GET /events as JSON, GET /events/:id). */
import type { Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { positiveInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import type { TableView } from "../output/format.js";
import { shortTime } from "../output/table.js";

type WireEvent = components["schemas"]["WireEvent"];
/** One page of the log: GET /events shares its path with the stream, so its JSON shape is named here. */
type EventPage = { events: WireEvent[]; nextCursor: string | null };

const EVENTS_VIEW: TableView<EventPage> = {
  kind: "list",
  rows: (d) => d.events,
  columns: [
    { header: "id", value: (e: WireEvent) => e.id },
    { header: "time", value: (e: WireEvent) => shortTime(e.timestamp) },
    { header: "type", value: (e: WireEvent) => e.type, flex: true },
  ],
};

/** Registers `events:list` and `events:info`. */
export function registerEventLog(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("events:list")
    .description("Stored events, newest first")
    .option("--type <patterns>", "event types or prefixes, comma-separated (task,notify.sent)")
    .option("--since <when>", "ISO-8601 or a duration back (30s, 15m, 1h, 1d)")
    .option("--until <when>", "ISO-8601: only events before it")
    .option("--limit <n>", "at most this many (1-100)", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (o) => {
      const query = { type: o.type, since: o.since, until: o.until, limit: o.limit, cursor: o.cursor };
      const result = await ctx.client.GET("/webhooks/v2/events", { params: { query }, headers: { Accept: "application/json" } });
      ctx.print(ctx.unwrap(result) as unknown as EventPage, EVENTS_VIEW);
    });

  program
    .command("events:info")
    .description("One stored event with its deliveries")
    .argument("<id>", "the event id (evt-…)")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/events/{id}", { params: { path: { id } } })));
    });
}
