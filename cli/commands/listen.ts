/** `listen --forward-to URL`: follows the live stream and POSTs each event to a local url, signed with a per-session secret. */
import type { Command } from "@commander-js/extra-typings";
import { generateSecret, signatureHeaders } from "../../src/delivery/destinations/signer";
import { httpUrl } from "../lib/args.js";
import type { CommandContext } from "../lib/context.js";
import { followEvents, reportDrop, type StreamEvent } from "../lib/stream.js";
import { CLI_VERSION } from "../lib/version.js";
import { clock } from "./events.js";

/** How long the local endpoint has to answer. */
const FORWARD_TIMEOUT_MS = 30_000;

/** The outcome of forwarding one event. */
interface Forwarded {
  status: number | "error";
  ms: number;
  error?: string;
}

/** POSTs one event's body to `url` with the headers a real delivery carries, signed with `secret`. */
async function forward(url: string, secret: string, event: StreamEvent, fetcher: typeof fetch): Promise<Forwarded> {
  const started = performance.now();
  const signed = await signatureHeaders({ id: event.id, body: event.data, nowMs: Date.now(), secrets: [secret] });
  try {
    const res = await fetcher(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": `edgehook-cli/${CLI_VERSION}`,
        ...signed,
        "X-Webhook-ID": event.id,
        "X-Webhook-Event": event.type,
        "X-Webhook-Attempt": "1",
      },
      body: event.data,
      redirect: "manual",
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { status: "error", ms: Math.round(performance.now() - started), error: cause?.code ?? (error as Error).message };
  }
}

/** Registers `listen`. */
export function registerListen(program: Command<[], any, any>, ctx: CommandContext): void {
  program
    .command("listen")
    .description("Forward live events to a local url, signed (Standard Webhooks) with a secret printed at start")
    .requiredOption("--forward-to <url>", "where to POST each event, e.g. http://localhost:3000/webhooks", httpUrl)
    .option("--events <patterns>", "event types or prefixes, comma-separated (default: all)")
    .action(async (o) => {
      const secret = generateSecret();
      const fetcher = ctx.io.fetch ?? globalThis.fetch;
      ctx.note(`Signing secret (Standard Webhooks and X-Webhook, this session only): ${secret}`);
      await followEvents(ctx, {
        filter: o.events,
        signal: ctx.signal,
        onOpen: (again) => ctx.note(again ? "Reconnected" : `Ready: forwarding ${o.events ?? "all events"} to ${o.forwardTo} (Ctrl-C to stop)`),
        onDrop: reportDrop(ctx),
        onEvent: async (event) => {
          const result = await forward(o.forwardTo, secret, event, fetcher);
          if (ctx.format === "json") {
            ctx.io.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), type: event.type, id: event.id, status: result.status, ms: result.ms, ...(result.error ? { error: result.error } : {}) })}\n`);
          } else {
            const status = result.status === "error" ? `ERR ${result.error}` : String(result.status);
            ctx.io.stdout.write(`${clock()}  ${event.type}  ${event.id}  ${status}  ${result.ms} ms\n`);
          }
        },
      });
    });
}
