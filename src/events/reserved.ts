/** Reserved event namespaces and metadata keys: what only the gateway itself (or the admin) may publish (pure). */
import { SOURCE_SECRET_VARS } from "../config";

/** Every inbound provider's prefix (`github`, `stripe`, …): their events come only from verified sources. */
export const PROVIDER_PREFIXES: readonly string[] = Object.keys(SOURCE_SECRET_VARS);

/** Namespaces of the events the gateway emits itself. */
export const SYSTEM_PREFIXES: readonly string[] = ["subscription", "delivery", "api", "system", "workflow", "task", "notify", "research", "webhook"];

/** Every reserved namespace: an event type equal to one, or starting with `<it>.`, is reserved. */
export const RESERVED_PREFIXES: readonly string[] = [...PROVIDER_PREFIXES, ...SYSTEM_PREFIXES];

/** `metadata` keys the gateway sets on the events it emits; a caller cannot set them (compared case-insensitively). */
export const RESERVED_METADATA_KEYS: readonly string[] = ["source", "provider", "deliveryId", "requestId", "tokenId", "tenantId", "subscriptionId", "eventId", "webhookId", "runId", "ruleId"];

/** The reserved namespace `type` falls in, or null. */
export function reservedNamespace(type: string): string | null {
  const lower = type.toLowerCase();
  return RESERVED_PREFIXES.find((prefix) => lower === prefix || lower.startsWith(`${prefix}.`)) ?? null;
}

/** The metadata keys of `metadata` the gateway reserves. */
export function reservedMetadataKeys(metadata: Record<string, unknown> | undefined): string[] {
  if (!metadata) return [];
  const reserved = new Set(RESERVED_METADATA_KEYS.map((k) => k.toLowerCase()));
  return Object.keys(metadata).filter((k) => reserved.has(k.toLowerCase()));
}

/** Why a caller-published event is refused (a sentence and details), or null when it may be published. */
export function reservedEventRefusal(type: string, metadata: Record<string, unknown> | undefined): { message: string; details: Record<string, unknown> } | null {
  const namespace = reservedNamespace(type);
  if (namespace) {
    return { message: `Event type "${type}" is in the reserved namespace "${namespace}.": only the gateway (or the admin token) publishes it`, details: { field: "type", namespace, reserved: RESERVED_PREFIXES } };
  }
  const keys = reservedMetadataKeys(metadata);
  if (keys.length) return { message: `metadata ${keys.map((k) => `"${k}"`).join(", ")} is set by the gateway, not by a caller`, details: { field: "metadata", keys } };
  return null;
}
