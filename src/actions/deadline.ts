/** Deadlines in the forms integration platforms send, normalised to ISO-8601 UTC. */

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const ZONE_LESS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/i;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** IFTTT's `{{CreatedAt}}` style: `December 13, 2026 at 09:30AM`. */
const IFTTT = /^([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})\s+at\s+(\d{1,2}):(\d{2})\s*([AP]M)$/i;

/** The accepted forms, for error messages and the OpenAPI description. */
export const DEADLINE_FORMS =
  "ISO-8601 date-time (2026-12-13T09:30:00Z; without a zone = UTC), a date (2026-12-13 = end of that day UTC), or IFTTT's 'December 13, 2026 at 09:30AM' (UTC)";

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): string | null {
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const date = new Date(t);
  // Reject overflow such as 2026-02-30 or 25:00.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h % 24 || h > 23 || mi > 59 || s > 59) return null;
  return date.toISOString();
}

/** The ISO-8601 UTC form of a deadline, or null when the text is none of DEADLINE_FORMS. */
export function normaliseDeadline(text: string): string | null {
  const value = text.trim();
  if (ZONED.test(value)) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : new Date(t).toISOString();
  }
  let m = ZONE_LESS.exec(value);
  if (m) return utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), Math.floor(+`0.${m[7] ?? "0"}` * 1000));
  m = DATE_ONLY.exec(value);
  if (m) return utc(+m[1]!, +m[2]!, +m[3]!, 23, 59, 59, 999);
  m = IFTTT.exec(value);
  if (m) {
    const month = MONTHS.indexOf(m[1]!.toLowerCase()) + 1;
    const hour12 = +m[4]!;
    if (month === 0 || hour12 < 1 || hour12 > 12) return null;
    const hour = (hour12 % 12) + (m[6]!.toUpperCase() === "PM" ? 12 : 0);
    return utc(+m[3]!, month, +m[2]!, hour, +m[5]!, 0, 0);
  }
  return null;
}
