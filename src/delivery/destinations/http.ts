/** The `http` destination: a signed request to a public URL (the wave-1 webhook), checked again at send time. */
import { z } from "@hono/zod-openapi";
import { sendAttempt } from "./http-attempt";
import { notSent, type Destination } from "./types";
import { checkDestination } from "./url-guard";
import type { AuthInfo } from "../store/subscriptions";

/** The http destination's config as stored (credentials are sealed apart; see AuthSecret). */
export interface HttpConfig {
  type: "http";
  url: string;
  method: "POST" | "PUT" | "PATCH";
  headers: Record<string, string>;
  auth: AuthInfo;
}

const HTTP_CONFIG = z.object({
  type: z.literal("http"),
  url: z.string(),
  method: z.enum(["POST", "PUT", "PATCH"]),
  headers: z.record(z.string(), z.string()),
  auth: z.custom<AuthInfo>((v) => typeof v === "object" && v !== null),
}) as z.ZodType<HttpConfig>;

/** POSTs (or PUTs, PATCHes) the body with Standard Webhooks and X-Webhook-* signatures; no redirects. */
export const httpDestination: Destination<HttpConfig> = {
  type: "http",
  description: "An HTTPS endpoint: a signed request per event (Standard Webhooks and X-Webhook-* headers)",
  configSchema: HTTP_CONFIG,
  validate(config, ctx) {
    const verdict = checkDestination(config.url, { allowPrivate: ctx.gateway.allowPrivateDestinations });
    return verdict.ok ? { ok: true } : { ok: false, field: "url", reason: verdict.reason };
  },
  async send(message, ctx) {
    // Checked again at send time: ALLOW_PRIVATE_DESTINATIONS may have been turned off since.
    const verdict = this.validate(ctx.destination, ctx);
    if (!verdict.ok) return notSent(verdict.reason, "fail");
    const { url, method, headers, auth } = ctx.destination;
    return sendAttempt({ url, method, headers, auth, authSecret: ctx.credentials, secrets: ctx.secrets, signingKeys: ctx.signingKeys, timeoutMs: ctx.timeoutMs, ...message });
  },
};
