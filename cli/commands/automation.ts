/** `rules:*` and `runs:*`: automation rules and the workflow runs they start. */
import { readFileSync } from "node:fs";
import type { Command } from "@commander-js/extra-typings";
import type { components } from "../client/index.js";
import { jsonObject, positiveInt } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { UsageError } from "../lib/errors.js";
import type { TableView } from "../output/format.js";
import { shortTime } from "../output/table.js";

type Rule = components["schemas"]["Rule"];
type Run = components["schemas"]["Run"];
type RunStatus = Run["status"];
const RULE = "/webhooks/v2/rules/{id}";
const RUN = "/webhooks/v2/runs/{id}";
const RUN_CONTROLS = ["pause", "resume", "terminate", "restart"] as const;

const RULES_VIEW: TableView<{ items: Rule[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (r: Rule) => r.id },
    { header: "on", value: (r: Rule) => (r.enabled ? "yes" : "no") },
    { header: "prio", value: (r: Rule) => r.priority },
    { header: "name", value: (r: Rule) => r.name, flex: true },
    { header: "events", value: (r: Rule) => r.trigger.events.join(","), flex: true },
  ],
};

const RUNS_VIEW: TableView<{ items: Run[] }> = {
  kind: "list",
  rows: (d) => d.items,
  columns: [
    { header: "id", value: (r: Run) => r.id, flex: true },
    { header: "status", value: (r: Run) => r.status },
    { header: "started", value: (r: Run) => shortTime(r.startedAt) },
    { header: "steps", value: (r: Run) => r.steps.map((s) => `${s.id}:${s.status}`).join(","), flex: true },
  ],
};

/** The JSON object in a file (`-` reads stdin), or a usage error saying why not. */
function jsonFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return jsonObject(text);
}

/** Registers the `rules:*` and `runs:*` commands. */
export function registerAutomation(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("rules:list")
    .description("List automation rules")
    .option("--limit <n>", "at most this many (1-100)", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (o) => {
      const query = { limit: o.limit, cursor: o.cursor };
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/rules", { params: { query } })), RULES_VIEW);
    });

  program
    .command("rules:create")
    .description("Create a rule from a JSON file (its signing secret is shown only now)")
    .requiredOption("--file <path>", "the rule as JSON ({name, trigger, steps, ...}); - reads stdin")
    .action(async (o) => {
      const body = jsonFile(o.file) as components["schemas"]["CreateRule"];
      ctx.print(ctx.unwrap(await ctx.client.POST("/webhooks/v2/rules", { body })));
    });

  program
    .command("rules:test")
    .description("Dry-run a rule against an event: does it match, and its steps rendered (nothing is sent)")
    .argument("<id>", "the rule id")
    .requiredOption("--event <json>", 'the event, e.g. {"type":"order.created","data":{"id":1}}', jsonObject)
    .action(async (id, o) => {
      const body = { event: o.event } as components["schemas"]["TestRule"];
      ctx.print(ctx.unwrap(await ctx.client.POST(`${RULE}/test`, { params: { path: { id } }, body })));
    });

  program
    .command("rules:delete")
    .description("Delete a rule (runs it started keep going)")
    .argument("<id>", "the rule id")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.DELETE(RULE, { params: { path: { id } } })));
    });

  program
    .command("runs:list")
    .description("Workflow runs, newest first")
    .option("--rule <id>", "only this rule's runs")
    .option("--status <status>", "queued, running, waiting, paused, completed, failed or terminated")
    .option("--limit <n>", "at most this many (1-100)", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (o) => {
      const query = { rule: o.rule, status: o.status as RunStatus | undefined, limit: o.limit, cursor: o.cursor };
      ctx.print(ctx.unwrap(await ctx.client.GET("/webhooks/v2/runs", { params: { query } })), RUNS_VIEW);
    });

  program
    .command("runs:info")
    .description("One run with each step's status, attempts, output and error")
    .argument("<id>", "the run id (<ruleId>-<eventId>)")
    .action(async (id) => {
      ctx.print(ctx.unwrap(await ctx.client.GET(RUN, { params: { path: { id } } })));
    });

  for (const control of RUN_CONTROLS) {
    program
      .command(`runs:${control}`)
      .description(`${control[0]!.toUpperCase()}${control.slice(1)} a run`)
      .argument("<id>", "the run id")
      .action(async (id) => {
        ctx.print(ctx.unwrap(await ctx.client.POST(`${RUN}/${control}`, { params: { path: { id } } })));
      });
  }
}
