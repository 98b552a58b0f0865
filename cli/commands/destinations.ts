/** `destinations:list`: the destination types a subscription may use and the queues a queue destination may name. */
import type { Command } from "@commander-js/extra-typings";
import type { CommandContext } from "../lib/context.js";
import type { TableView } from "../output/format.js";

type Destinations = { types: { type: string; description: string }[]; queues: string[] };

const DESTINATIONS_VIEW: TableView<Destinations> = {
  kind: "record",
  pick: (d) => ({
    ...Object.fromEntries(d.types.map((t) => [t.type, t.description])),
    queues: d.queues.length ? d.queues.join(", ") : "(none bound: DESTINATION_QUEUES)",
  }),
};

/** Registers the `destinations:list` command. */
export function registerDestinations(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("destinations:list")
    .description("Destination types (http, queue) and the queues a queue destination may name")
    .action(async () => {
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/destinations")), DESTINATIONS_VIEW);
    });
}
