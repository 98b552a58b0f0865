/** Event type names as types: what the gateway emits is checked against the catalogue at compile time. */
import { EVENT_CATALOGUE } from "./catalogue";

type CatalogueType = (typeof EVENT_CATALOGUE)[number]["type"];

/** A type the gateway itself emits (an exact catalogue entry). */
export type GatewayEventType = Exclude<CatalogueType, `${string}.*`>;

/** A provider event type under a `prefix.*` family of the catalogue (`github.push`). */
export type ProviderEventType = CatalogueType extends infer T ? (T extends `${infer P}.*` ? `${P}.${string}` : never) : never;

declare const CUSTOM: unique symbol;
/** A type a caller chose (POST /events), checked by the API schema. */
export type CustomEventType = string & { readonly [CUSTOM]: true };

/** Any type publish() takes: a catalogue entry, a provider event, or a checked custom type. */
export type EventType = GatewayEventType | ProviderEventType | CustomEventType;

/** Marks a type a caller chose (already validated by the request schema) as publishable. */
export function customEventType(type: string): CustomEventType {
  return type as CustomEventType;
}

/** The exact types of the catalogue (what the gateway can emit). */
export const GATEWAY_EVENT_TYPES: readonly GatewayEventType[] = EVENT_CATALOGUE.map((entry) => entry.type).filter((type): type is GatewayEventType => !type.endsWith(".*"));

/** The event type of a verified provider delivery: `<provider>.<provider's own type>`. */
export function providerEventType(provider: string, type: string): ProviderEventType {
  return `${provider}.${type}` as ProviderEventType;
}
