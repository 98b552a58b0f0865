// Stream caps (pure): replay reach and the lease arithmetic behind the concurrent-stream cap.
import { describe, expect, it } from "vitest";
import { decideLease, replayRefusal } from "../../src/stream/caps";
import { parseDurationMs } from "../../src/lib/time";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const DAY = 86_400_000;

describe("replay reach", () => {
  it("allows live streams and replays within the limit, refuses older ones with the limit in details", () => {
    expect(replayRefusal({ kind: "live" }, NOW, DAY)).toBeNull();
    expect(replayRefusal({ kind: "since", sinceMs: NOW - DAY }, NOW, DAY)).toBeNull();
    expect(replayRefusal({ kind: "since", sinceMs: NOW - DAY - 1 }, NOW, DAY)).toMatchObject({ field: "since", details: { maxReplaySeconds: 86_400, earliest: "2026-05-31T12:00:00.000Z" } });
    expect(replayRefusal({ kind: "after", id: `evt-${"0".repeat(24)}` }, NOW, DAY)?.field).toBe("Last-Event-ID");
  });
});

describe("stream leases", () => {
  it("grants below the cap, counts only live leases, and says when the soonest ends", () => {
    expect(decideLease([], NOW, 1)).toEqual({ ok: true });
    expect(decideLease([NOW - 1, NOW + 5000], NOW, 2)).toEqual({ ok: true });
    expect(decideLease([NOW + 5000, NOW + 9000], NOW, 2)).toEqual({ ok: false, active: 2, retryAfterSeconds: 5 });
    expect(decideLease([NOW + 5000, NOW + 9000], NOW, 0)).toEqual({ ok: true });
  });

  it("parses durations", () => {
    expect(parseDurationMs("24h")).toBe(DAY);
    expect(parseDurationMs("30s")).toBe(30_000);
    expect(parseDurationMs("1w")).toBeNull();
  });
});
