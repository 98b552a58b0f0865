/** Delivery modes (pure): batch and FIFO settings, the FIFO key of an event, the batch body, when an open window closes. */
import { valueAt } from "./match";

/** `batch` of a subscription: one request carries up to maxEvents events, leaving when full or after maxWaitMs. */
export interface BatchConfig {
  maxEvents: number;
  maxWaitMs: number;
}

/** `ordering` of a subscription: per key value (the whole subscription without a key), one in flight, publish order. */
export interface OrderingConfig {
  mode: "fifo";
  /** Dotted path into the wire event, e.g. `data.customerId`. */
  key?: string;
}

/** Bounds of the batch settings (the contract's). */
export const BATCH_LIMITS = { minEvents: 2, maxEvents: 100, minWaitMs: 100, maxWaitMs: 60_000 } as const;

/** `X-Webhook-Event` and the body's `type` of a batch request. */
export const BATCH_TYPE = "batch";

/** Events that never join a batch or a FIFO line: a test delivery is sent alone and at once. */
export const MODELESS_EVENT_TYPE = "webhook.test";

/**
 * The FIFO key value of an event for an ordering setting: null when the subscription keeps no
 * order, '' for the whole subscription (no key) and for events without a value at the key's path
 * (they form one line together), the string itself for a string, its JSON text otherwise.
 */
export function orderingKeyOf(ordering: OrderingConfig | null | undefined, wireEvent: unknown): string | null {
  if (!ordering || ordering.mode !== "fifo") return null;
  if (!ordering.key) return "";
  const value = valueAt(wireEvent, ordering.key);
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The body of a batch request: `{"type":"batch","id":"bat_…","events":[wire events]}` (events are JSON texts, publish order). */
export function batchBody(batchId: string, eventBodies: readonly string[]): string {
  return `{"type":${JSON.stringify(BATCH_TYPE)},"id":${JSON.stringify(batchId)},"events":[${eventBodies.join(",")}]}`;
}

/** What a subscription's mode settings may not be combined with; null when they fit together. */
export function modeConflict(settings: { batch: BatchConfig | null; ordering: OrderingConfig | null; template: unknown }): { field: string; reason: string } | null {
  if (settings.batch && settings.ordering) return { field: "ordering", reason: "ordering cannot be combined with batch: choose one delivery mode" };
  if (settings.batch && settings.template !== null && settings.template !== undefined) {
    return { field: "batch", reason: "batch bodies carry the wire events; a template (or an integration) cannot be combined with batch" };
  }
  return null;
}

/** Open rows of one batch subscription after a claim: how many and the oldest's publish time. */
export interface OpenWindow {
  count: number;
  oldestAt: number;
}

/** When an open window must close: now when it already holds maxEvents, else when its oldest event has waited maxWaitMs. */
export function windowClosesAt(window: OpenWindow, batch: BatchConfig, now: number): number {
  if (window.count >= batch.maxEvents) return now;
  return Math.max(now, window.oldestAt + batch.maxWaitMs);
}
