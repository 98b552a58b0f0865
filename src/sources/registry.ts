/** The provider registry: name → pure verifier and interpreter. */
import { generic } from "./generic";
import { github } from "./github";
import { linear } from "./linear";
import type { SourceProvider } from "./provider";
import { shopify } from "./shopify";
import { PROVIDERS, type ProviderName } from "./signature";
import { slack } from "./slack";
import { standard } from "./standard";
import { stripe } from "./stripe";

/** Every supported provider by name. */
export const SOURCE_PROVIDERS: Record<ProviderName, SourceProvider> = { github, stripe, slack, linear, shopify, standard, generic };

/** The provider called `name`, or null when edgehook has no verifier for it. */
export function providerByName(name: string): SourceProvider | null {
  return (PROVIDERS as readonly string[]).includes(name) ? SOURCE_PROVIDERS[name as ProviderName] : null;
}
