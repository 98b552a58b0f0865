/** The SendContext of one subscription's attempt: its destination config with opened headers, signing material and credentials. */
import type { Config } from "../config";
import { openHeaders } from "./core/sealed-headers";
import { outboundCredentials, signingMaterial } from "./credentials";
import type { SendContext } from "./destinations/types";
import { destinationConfigOf, type DestinationView, type SubscriptionRow } from "./store/subscriptions";

/** Everything a destination needs to send for `sub` at `now` (the engine's attempts, verification). */
export async function sendContext(env: Env, config: Config, sub: SubscriptionRow, now: number): Promise<SendContext<DestinationView>> {
  const [signing, credentials, headers] = await Promise.all([signingMaterial(config, sub, now), outboundCredentials(config, sub), openHeaders(sub.headers, config.encryptionKey, sub.id)]);
  return { destination: destinationConfigOf(sub, headers), gateway: config, env, subscriptionId: sub.id, ...signing, credentials, timeoutMs: sub.timeout_ms };
}
