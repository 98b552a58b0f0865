/** Durations of delay and wait steps (pure): "5s", "10 minutes", "1.5 h" or milliseconds. */

const UNITS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

/** The longest delay or wait a step may ask for (Workflows allow sleeps up to a year). */
export const MAX_DURATION_MS = 365 * 86_400_000;

/** Milliseconds of a duration, or null when it is not one (negative, unknown unit, too long). */
export function parseDuration(input: string | number): number | null {
  let ms: number;
  if (typeof input === "number") ms = input;
  else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
    if (!match) return null;
    const unit = match[2]!.toLowerCase() || "ms";
    const factor = UNITS[unit];
    if (factor === undefined) return null;
    ms = Number(match[1]) * factor;
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) return null;
  return Math.round(ms);
}
