/** The SendContext of one subscription's attempt: its destination config with opened headers, signing material and credentials. */
import type { Config } from "../config";
import { openHeaders } from "./core/sealed-headers";
import { outboundCredentials, signingMaterial } from "./credentials";
import type { SendContext } from "./destinations/types";
import { destinationConfigOf, type DestinationView, type SubscriptionRow } from "./store/subscriptions";

/** An integration's secret params in clear (undefined: none): substituted into url and body only at send time. */
export async function openParams(config: Config, sub: SubscriptionRow): Promise<Record<string, string> | undefined> {
  return sub.params_enc === null ? undefined : openHeaders(sub.params_enc, config.encryptionKey, sub.id, "param");
}

/**
 * Everything a destination needs to send for `sub` at `now` (the engine's attempts, verification);
 * `params` when the caller opened them already (openParams), else they are opened here.
 */
export async function sendContext(env: Env, config: Config, sub: SubscriptionRow, now: number, params?: Record<string, string>): Promise<SendContext<DestinationView>> {
  const [signing, credentials, headers, opened] = await Promise.all([
    signingMaterial(config, sub, now),
    outboundCredentials(config, sub),
    openHeaders(sub.headers, config.encryptionKey, sub.id),
    params ?? openParams(config, sub),
  ]);
  return { destination: destinationConfigOf(sub, headers, opened), gateway: config, env, subscriptionId: sub.id, ...signing, credentials, timeoutMs: sub.timeout_ms };
}
