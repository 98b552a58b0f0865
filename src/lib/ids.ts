/** Identifier makers: random prefixed ids and event ids that sort in publish order. */
import { randomToken } from "./crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** `prefix-` + 16 url-safe random chars (96 bits). */
export function newId(prefix: string): string {
  return `${prefix}-${randomToken(12)}`;
}

function encodeTime(ms: number, length: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function randomSuffix(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += CROCKFORD[b % 32];
  return out;
}

/** Options for makeEventIdFactory. */
export interface EventIdFactoryOptions {
  now?: () => number;
}

/**
 * Makes a generator of `evt-<10 time chars><6 sequence chars><8 random chars>` ids. Within one
 * isolate ids are strictly increasing even when the clock stands still or steps back; across
 * isolates they order by millisecond timestamp.
 */
export function makeEventIdFactory(options: EventIdFactoryOptions = {}) {
  const now = options.now ?? Date.now;
  let lastMs = 0;
  let sequence = 0;
  return function nextEventId(): string {
    const ms = Math.max(now(), lastMs);
    if (ms === lastMs) sequence++;
    else sequence = 0;
    lastMs = ms;
    return `evt-${encodeTime(ms, 10)}${encodeTime(sequence, 6)}${randomSuffix(8)}`;
  };
}

/** The isolate's event id generator. */
export const nextEventId = makeEventIdFactory();

/** Milliseconds since the epoch encoded in an event id, or null when it is not one. */
export function eventIdTime(id: string): number | null {
  const match = /^evt-([0-9A-HJKMNP-TV-Z]{10})/.exec(id);
  if (!match) return null;
  let ms = 0;
  for (const ch of match[1]!) ms = ms * 32 + CROCKFORD.indexOf(ch);
  return ms;
}
