// The listener summary's pure rules: how long an isolate skips after "nobody", and the epoch a tree
// that listens again gives its first streams.
import { describe, expect, it } from "vitest";
import { CLOCK_MARGIN_MS, LISTENER_SUMMARY_TTL_MS, ListenerSummary, listeningEpoch } from "../../src/stream/listeners";

describe("ListenerSummary", () => {
  it("skips nothing before any answer", () => {
    expect(new ListenerSummary().skips(0)).toBe(false);
  });

  it("skips from a 'nobody' answer until its time plus the TTL, by the root's clock", () => {
    const summary = new ListenerSummary();
    summary.learn({ listening: false, at: 10_000 });
    expect(summary.skips(10_000)).toBe(true);
    expect(summary.skips(10_000 + LISTENER_SUMMARY_TTL_MS - 1)).toBe(true);
    expect(summary.skips(10_000 + LISTENER_SUMMARY_TTL_MS)).toBe(false);
  });

  it("stops skipping at once when an answer says a stream listens", () => {
    const summary = new ListenerSummary();
    summary.learn({ listening: false, at: 10_000 });
    summary.learn({ listening: true, at: 10_100 });
    expect(summary.skips(10_200)).toBe(false);
  });
});

describe("listeningEpoch", () => {
  it("is the last 'nobody' answer plus the TTL and the clock margin: no isolate skips after it", () => {
    const epoch = listeningEpoch(50_000);
    expect(epoch).toBe(50_000 + LISTENER_SUMMARY_TTL_MS + CLOCK_MARGIN_MS);
    const summary = new ListenerSummary();
    summary.learn({ listening: false, at: 50_000 });
    // An isolate whose clock is up to the margin ahead of the hub's has stopped skipping by then.
    expect(summary.skips(epoch - CLOCK_MARGIN_MS)).toBe(false);
  });
});
