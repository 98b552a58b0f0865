/** Time units and rendering: D1 stores epoch milliseconds, the wire carries ISO-8601. */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** ISO-8601 of an epoch-ms timestamp, or null when absent. */
export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** ISO-8601 of an epoch-ms timestamp. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
