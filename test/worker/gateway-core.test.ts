// The gateway core through the real Worker: envelopes, request ids, errors, CORS.
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

describe("envelopes and request ids", () => {
  it("health answers a success envelope with a generated request id", async () => {
    const res = await call("/health", { token: null });
    expect(res.status).toBe(200);
    expect(res.json.success).toBe(true);
    expect(res.json.data.status).toBe("healthy");
    expect(res.json.data.checks.database.status).toBe("ok");
    expect(res.json.meta.apiVersion).toBe("2.0");
    expect(typeof res.json.meta.processingTime).toBe("number");
    expect(res.headers.get("X-Request-ID")).toMatch(/^req-[A-Za-z0-9_-]{12,}$/);
    expect(res.json.meta.requestId).toBe(res.headers.get("X-Request-ID"));
  });
});
