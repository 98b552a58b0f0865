/**
 * The listener summary (pure): an isolate skips hub hand-offs for a while after the root said no
 * stream listens, and the root tells a tree that starts listening again when it may accept streams.
 */

/** How long an isolate trusts a "nobody listens" answer (by the root's clock). */
export const LISTENER_SUMMARY_TTL_MS = 1000;
/** Allowance for clock differences between isolates and the hub. */
export const CLOCK_MARGIN_MS = 250;

/** What the root answers a hand-off: how many events were new, whether any stream listens, the root's clock. */
export interface HandOffAnswer {
  accepted: number;
  listening: boolean;
  at: number;
}

/** Isolate side: skips hand-offs until a "nobody" answer's time plus the TTL; any "listening" answer ends it. */
export class ListenerSummary {
  #nobodyUntil = 0;

  /** True when a hand-off made at `now` may be skipped. */
  skips(now: number): boolean {
    return now < this.#nobodyUntil;
  }

  /** Takes the root's answer to a hand-off. */
  learn(answer: Pick<HandOffAnswer, "listening" | "at">): void {
    this.#nobodyUntil = answer.listening ? 0 : answer.at + LISTENER_SUMMARY_TTL_MS;
  }
}

/**
 * Root side: the first moment a tree that said "nobody" (last at `lastNobodyAt`) may register
 * streams again. Until then some isolate may still skip its hand-offs; events made before it may
 * be missing from the ring, so the ring restarts then and catch-ups take older events from D1.
 */
export function listeningEpoch(lastNobodyAt: number): number {
  return lastNobodyAt + LISTENER_SUMMARY_TTL_MS + CLOCK_MARGIN_MS;
}
