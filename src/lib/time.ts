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

const DURATION = /^(\d{1,9})([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: HOUR_MS, d: DAY_MS } as const;

/** Milliseconds of a duration written `30s`, `15m`, `1h` or `1d`; null when malformed. */
export function parseDurationMs(value: string): number | null {
  const match = DURATION.exec(value);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : null;
}
