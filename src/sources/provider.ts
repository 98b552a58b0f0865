/** The contract every provider module fulfils: verify the signature, then say what the delivery is. */
import type { ParsedPayload } from "./payload";
import type { ProviderName, SignedRequest, SourceSettings, Verification } from "./signature";

/** What a verified delivery turns into. */
export type Interpretation =
  | {
      kind: "event";
      /** The provider's event type; published as `<provider>.<type>`. */
      type: string;
      /** The provider's delivery id for deduplication; absent → the body's hash. */
      deliveryId?: string;
      /** Provider ids and facts for the event's `metadata`. */
      metadata: Record<string, unknown>;
      /** The event's data when it differs from the parsed body (e.g. Slack's JSON `payload` form field, parsed). */
      data?: Record<string, unknown>;
      /** `empty`: acknowledge with an empty 200 (Slack treats a JSON reply as a message). */
      reply?: "envelope" | "empty";
    }
  | {
      kind: "handshake";
      /** e.g. `url_verification`, `ping`. */
      name: string;
      /** Fields the provider expects at the top level of the JSON reply (Slack's `challenge`). */
      fields?: Record<string, string>;
    };

/** One provider: a pure verifier and a pure interpreter. */
export interface SourceProvider {
  name: ProviderName;
  /** Display name for messages and docs. */
  title: string;
  /**
   * True when the signature covers the delivery id (Standard Webhooks signs `id.timestamp.body`):
   * a new id is then a new message even with an identical body. Otherwise deliveries are also
   * deduplicated on the body's hash, so an unsigned id header cannot make a replay new.
   */
  signsDeliveryId?: boolean;
  verify(request: SignedRequest, settings: SourceSettings): Promise<Verification>;
  interpret(headers: Headers, payload: ParsedPayload, settings: SourceSettings): Interpretation;
}

const MAX_TYPE_LENGTH = 120;

/**
 * A provider's event type made safe as an event type suffix: `/` becomes `.`, characters outside
 * `[A-Za-z0-9_.:-]` become `_`, at most 120 characters; empty → `webhook`.
 */
export function eventTypeSuffix(raw: unknown): string {
  if (typeof raw !== "string") return "webhook";
  const cleaned = raw
    .trim()
    .replace(/\//g, ".")
    .replace(/[^A-Za-z0-9_.:-]/g, "_")
    .replace(/\.{2,}/g, ".")
    .replace(/^\.+|\.+$/g, "")
    .slice(0, MAX_TYPE_LENGTH);
  return cleaned || "webhook";
}

/** `value[key]` when it is a non-empty string or a finite number (as text). */
export function field(value: unknown, key: string): string | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = (value as Record<string, unknown>)[key];
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A JSON object parsed from form-field text (Slack's and GitHub's `payload=`), or null. */
export function jsonObject(text: unknown): Record<string, unknown> | null {
  if (typeof text !== "string") return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Drops undefined and null entries so metadata only names what the provider sent. */
export function compact(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v !== null));
}
