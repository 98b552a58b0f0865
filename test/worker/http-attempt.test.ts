// One HTTP attempt through the runtime's fetch against the Node receiver: the recorded response body is
// cut at RESPONSE_BODY_LIMIT characters (not bytes), declared or chunked, and a long one is not read to its end.
import { describe, expect, it } from "vitest";
import { RESPONSE_BODY_LIMIT, sendAttempt, type AttemptRequest } from "../../src/delivery/destinations/http-attempt";
import { RECEIVER } from "./receiver";

const attempt = (path: string): AttemptRequest => ({
  url: `${RECEIVER}${path}`,
  method: "POST",
  eventId: "evt_attempt",
  eventType: "attempt.test",
  body: "{}",
  attempt: 1,
  secrets: ["whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ="],
  headers: {},
  auth: { type: "none" },
  authSecret: null,
  timeoutMs: 5000,
});

describe("the response body an attempt records", () => {
  it.each([
    ["a short declared body, whole", "/body/100/a", "a".repeat(100)],
    ["a declared body over the limit, cut", "/body/3000/b", "b".repeat(RESPONSE_BODY_LIMIT)],
    ["a long declared body, cut", "/body/50000/c", "c".repeat(RESPONSE_BODY_LIMIT)],
    ["an undeclared (chunked) body, cut", "/body/50000/d?chunked", "d".repeat(RESPONSE_BODY_LIMIT)],
    ["multi-byte characters, counted as characters", `/body/2000/${encodeURIComponent("é")}`, "é".repeat(RESPONSE_BODY_LIMIT)],
  ])("%s", async (_name, path, expected) => {
    const result = await sendAttempt(attempt(path));
    expect(result.statusCode).toBe(200);
    expect(result.verdict).toBe("success");
    expect(result.responseBody).toBe(expected);
  });
});
