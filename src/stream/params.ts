/** Event-stream request parameters (pure): `since`, `filter` and `Last-Event-ID` parsing, and filter matching (types and tenant). */
import { parseDurationMs } from "../lib/time";

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** How many filter patterns one stream may carry, and how long each may be. */
export const MAX_FILTER_PATTERNS = 20;
export const MAX_FILTER_PATTERN_LENGTH = 100;

const SEGMENT = "[A-Za-z0-9_-]+";
const PATTERN = new RegExp(`^(?:\\*|${SEGMENT}(?:\\.${SEGMENT})*(?:\\.\\*)?)$`);
const EVENT_ID = /^evt-[0-9A-HJKMNP-TV-Z]{24}$/;

/**
 * Epoch ms for a `since` value relative to `now`: a duration back from now (`30s`, `15m`, `1h`,
 * `1d`) or an ISO-8601 date or date-time (UTC when the zone is omitted). Null when malformed.
 */
export function parseSince(value: string, now: number): number | null {
  const duration = parseDurationMs(value);
  if (duration !== null) return now - duration;
  const iso = ISO_DATE_TIME.exec(value);
  if (!iso) return null;
  const zoned = value.includes("T") && !iso[1] ? `${value}Z` : value;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
}

/** A parsed filter, or the reason it was refused. */
export type FilterResult = { ok: true; patterns: string[] } | { ok: false; reason: string };

/**
 * Parses `?filter=` (comma-separated): each item is a type prefix (`task`), a full type
 * (`task.created`), `prefix.*` or `*`. Empty items are ignored; no items means every event.
 */
export function parseFilter(raw: string | undefined): FilterResult {
  const items = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length > MAX_FILTER_PATTERNS) return { ok: false, reason: `at most ${MAX_FILTER_PATTERNS} patterns` };
  for (const item of items) {
    if (item.length > MAX_FILTER_PATTERN_LENGTH) return { ok: false, reason: `pattern longer than ${MAX_FILTER_PATTERN_LENGTH} characters` };
    if (!PATTERN.test(item)) return { ok: false, reason: `"${item}" is not a type, a type prefix, "prefix.*" or "*" (letters, digits, "_", "-", dot-separated)` };
  }
  return { ok: true, patterns: [...new Set(items)] };
}

/** True when `type` passes the filter: no patterns, `*`, the exact type, or a dot-segment prefix of it. */
export function matchesFilter(patterns: readonly string[], type: string): boolean {
  if (patterns.length === 0) return true;
  for (const pattern of patterns) {
    if (pattern === "*" || pattern === type) return true;
    const prefix = pattern.endsWith(".*") ? pattern.slice(0, -1) : `${pattern}.`;
    if (type.startsWith(prefix)) return true;
  }
  return false;
}

/** What a stream's filter needs to know about an event. */
export interface FilterableEvent {
  type: string;
  tenantId: string;
}

/**
 * A stream's filter as one predicate: the event's tenant first (a stream bound to a tenant takes
 * only that tenant's events; `null` = the admin spanning every tenant), then the type patterns.
 */
export function streamMatcher(patterns: readonly string[], tenantId: string | null): (event: FilterableEvent) => boolean {
  if (tenantId === null) return (event) => matchesFilter(patterns, event.type);
  return (event) => event.tenantId === tenantId && matchesFilter(patterns, event.type);
}

/** True for a well-formed event id (`evt-` + 24 Crockford base-32 characters), the only cursor a stream accepts. */
export function isEventId(value: string): boolean {
  return EVENT_ID.test(value);
}
