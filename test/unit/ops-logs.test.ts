// Pure ops modules: redaction, the request log line, and the retention plan.
import { describe, expect, it } from "vitest";
import { DEFAULT_REDACT_FIELDS } from "../../src/config";
import { fieldMatcher, REDACTED, redact, redactQuery } from "../../src/ops/redact";
import { formatRequestLog, levelFor, loggedBody, MAX_LOGGED_BODY_CHARS, requestLogRecord, shouldLogBody, type RequestLogInput } from "../../src/ops/request-log";
import { RETENTION_RULES, retentionPlan } from "../../src/ops/retention-policy";

const sensitive = fieldMatcher(DEFAULT_REDACT_FIELDS);

describe("redaction", () => {
  it("matches names by suffix, ignoring case and punctuation", () => {
    for (const name of ["password", "Password", "secret", "clientSecret", "webhook_secret", "token", "accessToken", "Authorization", "apiKey", "api_key", "X-API-Key", "privateKey", "key"]) {
      expect(sensitive(name), name).toBe(true);
    }
    for (const name of ["tokenId", "name", "keyPrefix", "endpoints", "title", "secrets_count"]) expect(sensitive(name), name).toBe(false);
  });

  it("hides sensitive values at any depth and leaves the rest", () => {
    const body = { name: "n", secret: "whsec_abc", auth: { type: "bearer", token: "t0k" }, headers: [{ "X-Api-Key": "k" }], nested: { password: { deep: 1 } } };
    expect(redact(body, sensitive)).toEqual({
      name: "n",
      secret: REDACTED,
      auth: { type: "bearer", token: REDACTED },
      headers: [{ "X-Api-Key": REDACTED }],
      nested: { password: REDACTED },
    });
    expect(body.secret).toBe("whsec_abc");
  });

  it("stops at a depth limit", () => {
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(JSON.stringify(redact(deep, sensitive))).toContain("[…]");
  });

  it("uses a configured list", () => {
    const custom = fieldMatcher(["ssn"]);
    expect(redact({ ssn: "1", password: "p" }, custom)).toEqual({ ssn: REDACTED, password: "p" });
  });

  it("redacts query parameters such as api_key", () => {
    expect(redactQuery("?api_key=ehk_secret&limit=5", sensitive)).toEqual({ api_key: REDACTED, limit: "5" });
    expect(redactQuery("", sensitive)).toBeNull();
  });
});

const INPUT: RequestLogInput = {
  requestId: "req-1",
  method: "POST",
  route: "/webhooks/v2/tokens/:id",
  path: "/webhooks/v2/tokens/tok-9",
  search: "?api_key=ehk_supersecretkey",
  status: 400,
  durationMs: 7,
  tokenId: "tok-1",
  ip: "203.0.113.7",
  userAgent: "zapier/1.0",
  at: Date.UTC(2026, 0, 1),
};

describe("request log line", () => {
  it("carries request id, route, status, duration and token id as one JSON object", () => {
    const line = formatRequestLog(INPUT, sensitive);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      level: "warn",
      msg: "request",
      time: "2026-01-01T00:00:00.000Z",
      requestId: "req-1",
      method: "POST",
      route: "/webhooks/v2/tokens/:id",
      path: "/webhooks/v2/tokens/tok-9",
      status: 400,
      durationMs: 7,
      tokenId: "tok-1",
      ip: "203.0.113.7",
      query: { api_key: REDACTED },
      userAgent: "zapier/1.0",
    });
    expect(line).not.toContain("ehk_supersecretkey");
  });

  it("includes a redacted body when given one", () => {
    const record = requestLogRecord({ ...INPUT, body: JSON.stringify({ name: "x", secret: "whsec_zzz" }) }, sensitive);
    expect(record.body).toEqual({ name: "x", secret: REDACTED });
    expect(JSON.stringify(record)).not.toContain("whsec_zzz");
  });

  it("summarises non-JSON and oversized bodies instead of logging them", () => {
    expect(loggedBody("action=add&password=p", sensitive)).toBe("[non-JSON body, 21 chars]");
    expect(loggedBody(JSON.stringify({ data: "x".repeat(MAX_LOGGED_BODY_CHARS) }), sensitive)).toMatch(/^\[JSON body, \d+ chars\]$/);
    expect(loggedBody("", sensitive)).toBeUndefined();
  });

  it("levels by status and logs bodies per mode", () => {
    expect([levelFor(200), levelFor(302), levelFor(404), levelFor(503)]).toEqual(["info", "info", "warn", "error"]);
    expect(shouldLogBody("none", 500)).toBe(false);
    expect(shouldLogBody("errors", 201)).toBe(false);
    expect(shouldLogBody("errors", 400)).toBe(true);
    expect(shouldLogBody("all", 201)).toBe(true);
  });

  it("truncates long user agents and omits empty optional fields", () => {
    const record = requestLogRecord({ ...INPUT, search: "", userAgent: "u".repeat(500), tokenId: null }, sensitive);
    expect((record.userAgent as string).length).toBe(200);
    expect(record).not.toHaveProperty("query");
    expect(record.tokenId).toBeNull();
  });
});

describe("retention plan", () => {
  const DAY = 86_400_000;
  const retention = { eventsDays: 30, deliveriesDays: 30, auditDays: 90, batchSize: 1000, maxBatches: 5 };
  const now = Date.UTC(2026, 5, 1);

  it("cuts each table at its retention, children before parents, and expires records at now", () => {
    const plan = retentionPlan(retention, now);
    expect(plan.map((t) => t.table)).toEqual(RETENTION_RULES.map((r) => r.table));
    const cutoff = Object.fromEntries(plan.map((t) => [t.table, t.cutoff]));
    expect(cutoff.events).toBe(now - 30 * DAY);
    expect(cutoff.deliveries).toBe(now - 30 * DAY);
    expect(cutoff.attempts).toBe(now - 30 * DAY);
    expect(cutoff.audit).toBe(now - 90 * DAY);
    expect(cutoff.source_deliveries).toBe(now);
    expect(cutoff.queue_sink).toBe(now);
    expect(cutoff).not.toHaveProperty("idempotency");
    expect(cutoff.ops_notices).toBe(now - 7 * DAY);
    expect(cutoff.inspector_requests).toBe(now - 7 * DAY);
    expect(plan.map((t) => t.table).indexOf("attempts")).toBeLessThan(plan.map((t) => t.table).indexOf("deliveries"));
    expect(plan.map((t) => t.table).indexOf("deliveries")).toBeLessThan(plan.map((t) => t.table).indexOf("events"));
  });

  it("keeps a kind forever when its retention is 0 days", () => {
    const plan = retentionPlan({ ...retention, auditDays: 0 }, now);
    expect(plan.find((t) => t.table === "audit")).toBeUndefined();
    expect(plan.find((t) => t.table === "events")).toBeDefined();
  });

  it("takes extra rules", () => {
    expect(retentionPlan(retention, now, [{ table: "x", column: "seen_at", keep: "events" }])).toEqual([{ table: "x", column: "seen_at", cutoff: now - 30 * DAY }]);
  });
});
