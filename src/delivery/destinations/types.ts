/** The destination port: what every destination type (http, queue, …) implements, and what it is handed. */
import type { z } from "@hono/zod-openapi";
import type { Config } from "../../config";
import type { AttemptResult } from "../core/outcome";
import type { AuthSecret } from "../store/subscriptions";

/** One attempt's message: the rendered body and the event it carries. */
export interface OutboundMessage {
  eventId: string;
  eventType: string;
  /** The body (the wire event, or the subscription's template rendered over it). */
  body: string;
  /** The body's media type (default application/json; form-encoded for `$form` templates). */
  contentType?: string;
  /** 1-based attempt number across the delivery's life. */
  attempt: number;
}

/** Everything a destination may use for one send, besides the message. */
export interface SendContext<C> {
  /** The subscription's destination config (as configSchema parsed it). */
  destination: C;
  gateway: Config;
  env: Env;
  subscriptionId: string;
  /** HMAC signing secrets in clear: current first, then a rotated one still in grace (none with ed25519 alone). */
  secrets: string[];
  /** Ed25519 `whsk_` keys in clear (signing scheme ed25519, or a switch in progress). */
  signingKeys: string[];
  /** Outbound credentials in clear, or null. */
  credentials: AuthSecret | null;
  timeoutMs: number;
}

/** What validate sees besides the config. */
export interface ValidateContext {
  gateway: Config;
  env: Env;
}

/** A config's verdict; `field` is relative to the destination object (e.g. `url`, `queue`). */
export type Validation = { ok: true } | { ok: false; field: string; reason: string };

/** One destination type. send never throws: every failure is an AttemptResult with its verdict. */
export interface Destination<C extends { type: string } = { type: string }> {
  type: C["type"];
  description: string;
  /** The `destination` object's schema (with its `type` literal). */
  configSchema: z.ZodType<C>;
  /** Checks that need the gateway (allowed addresses, bound queues) beyond the schema. */
  validate(config: C, ctx: ValidateContext): Validation;
  send(message: OutboundMessage, ctx: SendContext<C>): Promise<AttemptResult>;
}

/** A result for an attempt that never reached the destination. */
export function notSent(error: string, verdict: AttemptResult["verdict"], startedAt = Date.now()): AttemptResult {
  const finishedAt = Date.now();
  return { statusCode: null, durationMs: finishedAt - startedAt, responseBody: null, error, verdict, retryAfterMs: null, finishedAt };
}
