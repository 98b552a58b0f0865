/** The delivery engine's side effects, wired here at the Worker entry: publish `subscription.disabled`, metrics, audit, operational events. */
import { getConfig } from "./config";
import type { EngineContext, EngineEffects } from "./delivery/engine";
import { redactUrl } from "./lib/redact-url";
import { recordDelivery } from "./ops/metrics";
import { auditSystem } from "./ops/audit";
import { announceFailedDeliveries, announceNotificationOutcomes } from "./ops/operational-events";
import { publishAll, type BackgroundContext } from "./publish";

/** The effects for one invocation; `source` names it in audit rows (`queue`, a request id, …). */
function engineEffects(env: Env, ctx: BackgroundContext, source: string): EngineEffects {
  return {
    disabled: (notices) =>
      publishAll(
        env,
        ctx,
        notices.map((n) => ({ tenantId: n.tenantId, type: "subscription.disabled", data: { subscriptionId: n.subscriptionId, url: redactUrl(n.url), reason: n.reason, consecutiveFailures: n.consecutiveFailures } })),
      ),
    attempted: (outcome, tenantId) => recordDelivery(outcome.status === "retrying" ? "retried" : outcome.status, outcome.durationMs, tenantId),
    audit: (action, target, details, tenantId) => auditSystem(env.DB, getConfig(env), source, action, target, details, tenantId),
    settled: (outcomes) => Promise.all([announceFailedDeliveries(env, ctx, outcomes), announceNotificationOutcomes(env, ctx, outcomes)]),
  };
}

/** An engine context for one invocation. */
export function engineContext(env: Env, ctx: BackgroundContext, source: string): EngineContext {
  return { env, background: ctx, effects: engineEffects(env, ctx, source) };
}
