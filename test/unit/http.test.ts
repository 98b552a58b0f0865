// Pure parts of the HTTP layer: request ids, content types, validation mapping, error normalisation, envelopes.
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError } from "../../src/config";
import { errorBody } from "../../src/http/envelope";
import { toAppError } from "../../src/http/error-handler";
import { AppError, ERROR_CODES } from "../../src/http/errors";
import { isJsonContentType } from "../../src/http/json-body";
import { resolveRequestId } from "../../src/http/request-id";
import { schemaError, toFieldIssues } from "../../src/http/validation";

describe("request ids", () => {
  it("keeps 1–128 chars of [A-Za-z0-9._:-] and replaces anything else", () => {
    expect(resolveRequestId("abc-1.2:3_4")).toBe("abc-1.2:3_4");
    expect(resolveRequestId("x".repeat(128))).toBe("x".repeat(128));
    expect(resolveRequestId("x".repeat(129))).toMatch(/^req-[A-Za-z0-9_-]{16}$/);
    expect(resolveRequestId("has space")).toMatch(/^req-/);
    expect(resolveRequestId("")).toMatch(/^req-/);
    expect(resolveRequestId(null)).toMatch(/^req-/);
  });
});

describe("content types", () => {
  it("accepts JSON and +json types with parameters", () => {
    expect(isJsonContentType("application/json")).toBe(true);
    expect(isJsonContentType("Application/JSON; charset=utf-8")).toBe(true);
    expect(isJsonContentType("application/vnd.api+json")).toBe(true);
    expect(isJsonContentType("text/plain")).toBe(false);
    expect(isJsonContentType("application/x-www-form-urlencoded")).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });
});

describe("validation mapping", () => {
  const schema = z.object({ task: z.string().min(10), tags: z.array(z.string()).optional(), nested: z.object({ a: z.number() }).optional() }).strict();

  it("gives dotted paths and reasons for every issue", () => {
    const result = schema.safeParse({ task: "short", tags: ["ok", 3], nested: { a: "x" } });
    expect(result.success).toBe(false);
    const issues = toFieldIssues(result.error!.issues);
    expect(issues.map((i) => i.field)).toEqual(["task", "tags.1", "nested.a"]);
    const error = schemaError(result.error!, "json");
    expect(error.code).toBe("SCHEMA_VALIDATION_ERROR");
    expect(error.details).toMatchObject({ field: "task", issues: expect.arrayContaining([expect.objectContaining({ field: "tags.1" })]) });
  });

  it("names unknown fields and the root", () => {
    const unknown = schema.safeParse({ task: "long enough text", extra: 1 });
    expect(toFieldIssues(unknown.error!.issues)[0]).toMatchObject({ field: "extra", reason: expect.stringContaining("extra") });
    const root = schema.safeParse([1]);
    expect(toFieldIssues(root.error!.issues)[0]!.field).toBe("(root)");
  });
});

describe("error normalisation", () => {
  it("keeps AppErrors, maps HTTP exceptions and hides unknown errors behind INTERNAL_ERROR", () => {
    const app = new AppError("FORBIDDEN", "no");
    expect(toAppError(app)).toBe(app);
    expect(toAppError(new HTTPException(400, { message: "Malformed JSON in request body" })).code).toBe("INVALID_JSON");
    expect(toAppError(new HTTPException(413)).code).toBe("PAYLOAD_TOO_LARGE");
    const internal = toAppError(new Error("D1_ERROR: secret detail"));
    expect(internal.code).toBe("INTERNAL_ERROR");
    expect(internal.message).not.toContain("secret");
    expect(toAppError(new ConfigError("bad")).code).toBe("SERVICE_UNAVAILABLE");
    expect(toAppError("a string").code).toBe("INTERNAL_ERROR");
  });

  it("maps every contract code to its status", () => {
    expect(Object.fromEntries(Object.entries(ERROR_CODES).map(([k, v]) => [k, v.status]))).toEqual({
      INVALID_JSON: 400, SCHEMA_VALIDATION_ERROR: 400, UNAUTHORIZED: 401, SIGNATURE_INVALID: 401, FORBIDDEN: 403, IP_NOT_ALLOWED: 403,
      NOT_FOUND: 404, METHOD_NOT_ALLOWED: 405, IDEMPOTENCY_CONFLICT: 409, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415,
      UNPROCESSABLE: 422, RATE_LIMITED: 429, INTERNAL_ERROR: 500, SERVICE_UNAVAILABLE: 503,
    });
  });

  it("renders the error envelope with retryAfter only when set", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(errorBody(new AppError("RATE_LIMITED", "slow down", { retryAfter: 7 }), "req-1", now)).toEqual({
      success: false, error: "slow down", code: "RATE_LIMITED", requestId: "req-1", timestamp: "2026-01-01T00:00:00.000Z", retryable: true, retryAfter: 7, meta: { apiVersion: "2.0" },
    });
    expect(errorBody(new AppError("NOT_FOUND", "gone"), "req-2", now)).not.toHaveProperty("retryAfter");
  });
});
