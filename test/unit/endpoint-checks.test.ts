// Endpoint checks (pure): the verification challenge in a response body, and a probe's verdict.
import { describe, expect, it } from "vitest";
import { challengeAnswered, healthOf, probeFallback } from "../../src/delivery/core/endpoint-checks";

describe("challengeAnswered", () => {
  const challenge = "c-Abc123_xyz";

  it("accepts the challenge as plain text or JSON {challenge} in a 2xx", () => {
    expect(challengeAnswered(200, challenge, challenge)).toBe(true);
    expect(challengeAnswered(204, `  ${challenge}\n`, challenge)).toBe(true);
    expect(challengeAnswered(200, JSON.stringify({ challenge }), challenge)).toBe(true);
    expect(challengeAnswered(201, JSON.stringify({ challenge, ok: true }), challenge)).toBe(true);
    expect(challengeAnswered(200, JSON.stringify(challenge), challenge)).toBe(true);
  });

  it("refuses other bodies, other statuses and no answer", () => {
    expect(challengeAnswered(200, "ok", challenge)).toBe(false);
    expect(challengeAnswered(200, JSON.stringify({ challenge: "other" }), challenge)).toBe(false);
    expect(challengeAnswered(200, JSON.stringify({ data: { challenge } }), challenge)).toBe(false);
    expect(challengeAnswered(200, `${challenge}x`, challenge)).toBe(false);
    expect(challengeAnswered(200, "", challenge)).toBe(false);
    expect(challengeAnswered(200, null, challenge)).toBe(false);
    expect(challengeAnswered(302, challenge, challenge)).toBe(false);
    expect(challengeAnswered(500, challenge, challenge)).toBe(false);
    expect(challengeAnswered(null, challenge, challenge)).toBe(false);
  });
});

describe("health probe verdict", () => {
  const at = "2026-01-01T00:00:00.000Z";

  it("is healthy for 2xx/3xx, unhealthy for other answers, unreachable without one", () => {
    expect(healthOf({ statusCode: 200, durationMs: 12, error: null }, at)).toEqual({ status: "healthy", responseCode: 200, responseTimeMs: 12, checkedAt: at });
    expect(healthOf({ statusCode: 301, durationMs: 5, error: null }, at).status).toBe("healthy");
    expect(healthOf({ statusCode: 404, durationMs: 5, error: null }, at)).toMatchObject({ status: "unhealthy", responseCode: 404 });
    expect(healthOf({ statusCode: 503, durationMs: 5, error: null }, at).status).toBe("unhealthy");
    expect(healthOf({ statusCode: null, durationMs: 5000, error: "timeout after 5000 ms" }, at)).toEqual({ status: "unreachable", error: "timeout after 5000 ms", checkedAt: at });
  });

  it("falls back to GET only when HEAD is refused as a method", () => {
    expect(probeFallback(405)).toBe("GET");
    expect(probeFallback(501)).toBe("GET");
    expect(probeFallback(200)).toBeNull();
    expect(probeFallback(404)).toBeNull();
    expect(probeFallback(null)).toBeNull();
  });
});
