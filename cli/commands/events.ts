/** `events:tail` (the live stream) and `events:types` (the catalogue). */
import type { Command } from "@commander-js/extra-typings";
import type { CommandContext } from "../lib/context.js";
import { followEvents, reportDrop } from "../lib/stream.js";
import type { TableView } from "../output/format.js";

type EventType = { type: string; description: string };

const TYPES_VIEW: TableView<{ items: EventType[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "type", value: (t: EventType) => t.type },
    { header: "description", value: (t: EventType) => t.description, flex: true },
  ],
};

/** `HH:MM:SS` of now, for one-line event reports. */
export function clock(date = new Date()): string {
  return date.toISOString().slice(11, 19);
}

/** Registers the `events:*` commands. */
export function registerEvents(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("events:tail")
    .description("Follow the live event stream (reconnects without losing events); json: one event body per line")
    .option("--filter <patterns>", "event types or prefixes, comma-separated (task,notify)")
    .option("--since <when>", "replay from ISO-8601 or a duration back (30s, 15m, 1h, 1d)")
    .action(async (o) => {
      await followEvents(ctx, {
        filter: o.filter,
        since: o.since,
        signal: ctx.signal,
        onOpen: (again) => ctx.io.stderr.write(again ? "Reconnected\n" : "Following the event stream (Ctrl-C to stop)\n"),
        onDrop: reportDrop(ctx),
        onEvent: async (e) => {
          if (ctx.format === "json") ctx.io.stdout.write(`${e.data}\n`);
          else ctx.io.stdout.write(`${clock()}  ${e.id}  ${e.type}\n`);
        },
      });
    });

  program
    .command("events:types")
    .description("The catalogue of event types with a description and an example")
    .action(async () => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/event-types")), TYPES_VIEW);
    });
}
