// Pure automation logic: the router (priority, age, stopProcessing), the renderer, durations, templates, expected statuses.
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/automation/duration";
import type { Rule } from "../../src/automation/model";
import { conditionHolds, renderFilter, renderScope, renderStep } from "../../src/automation/render";
import { compareRules, routeEvent, runId, triggerMatches } from "../../src/automation/router";
import { CREATE_RULE } from "../../src/automation/schemas";
import { statusExpected } from "../../src/automation/step-kinds";
import { RULE_TEMPLATES, resolveParams } from "../../src/automation/templates";
import { waitsResumedBy } from "../../src/automation/waits";
import type { WireEvent } from "../../src/events/store";

const event = (type: string, data: Record<string, unknown> = {}, metadata?: Record<string, unknown>): WireEvent => ({ id: "evt-1", type, timestamp: "2026-01-01T00:00:00.000Z", data, tenantId: "default", ...(metadata ? { metadata } : {}) });
let n = 0;
function rule(partial: Partial<Rule> = {}): Rule {
  n++;
  return { id: `rule-${n}`, tenantId: "default", name: `r${n}`, description: null, trigger: { events: ["*"] }, priority: 100, enabled: true, stopProcessing: false, params: {}, steps: [{ id: "s", kind: "delay", duration: 0 }], template: null, createdAt: n, updatedAt: n, ...partial };
}

describe("router", () => {
  it("orders matches by priority (higher first), then age (older first)", () => {
    const low = rule({ priority: 10, createdAt: 1 });
    const highNew = rule({ priority: 500, createdAt: 9 });
    const highOld = rule({ priority: 500, createdAt: 2 });
    expect(routeEvent(event("a.b"), [low, highNew, highOld]).map((r) => r.id)).toEqual([highOld.id, highNew.id, low.id]);
    expect(compareRules(highOld, highNew)).toBeLessThan(0);
  });

  it("stops after the first matching rule with stopProcessing, but not after a non-matching one", () => {
    const stopNoMatch = rule({ priority: 900, stopProcessing: true, trigger: { events: ["a.*"], filter: { all: [{ field: "data.x", operator: "equals", value: 1 }] } } });
    const stop = rule({ priority: 500, stopProcessing: true });
    const after = rule({ priority: 100 });
    expect(routeEvent(event("a.b", { x: 2 }), [after, stop, stopNoMatch]).map((r) => r.id)).toEqual([stop.id]);
    expect(routeEvent(event("a.b", { x: 1 }), [after, stop, stopNoMatch]).map((r) => r.id)).toEqual([stopNoMatch.id]);
  });

  it("skips disabled rules, other tenants' rules, non-matching patterns and filters", () => {
    const disabled = rule({ enabled: false });
    const other = rule({ tenantId: "acme" });
    const pattern = rule({ trigger: { events: ["github.pull_request", "linear.*"] } });
    const filtered = rule({ trigger: { events: ["*"], filter: { any: [{ field: "metadata.source", operator: "equals", value: "ci" }] } } });
    expect(routeEvent(event("github.push"), [disabled, other, pattern, filtered])).toEqual([]);
    expect(routeEvent(event("linear.issue.create"), [pattern]).map((r) => r.id)).toEqual([pattern.id]);
    expect(routeEvent(event("x", {}, { source: "ci" }), [filtered]).map((r) => r.id)).toEqual([filtered.id]);
    expect(routeEvent(event("x"), [other], "acme").map((r) => r.id)).toEqual([other.id]);
    expect(triggerMatches(filtered, event("x"))).toBe(false);
  });

  it("makes the run id from the rule and event ids (a valid Workflow instance id)", () => {
    expect(runId("rule-abc_DEF", "evt-01ABC")).toBe("rule-abc_DEF-evt-01ABC");
    expect(runId("rule-abc_DEF", "evt-01ABC")).toMatch(/^[a-zA-Z0-9_][a-zA-Z0-9-_]{0,99}$/);
  });
});

describe("renderer", () => {
  const scope = renderScope(event("github.pull_request", { number: 7, pull_request: { title: "Fix", head: { sha: "abc" } } }, { action: "opened" }), { token: "t0k", n: 3 }, { validate: { status: 200, body: { ok: true } } });

  it("renders every template field over event, data, metadata, params and earlier outputs; whole placeholders keep their type", () => {
    const step = renderStep(
      { id: "s", kind: "http", url: "https://api.example.com/{{data.pull_request.head.sha}}", body: { n: "{{data.number}}", ok: "{{steps.validate.output.body.ok}}", title: "PR {{data.pull_request.title}} ({{metadata.action}}) by {{event.type}}", p: "{{params.n}}" }, auth: { type: "bearer", token: "{{params.token}}" } },
      scope,
    );
    expect(step).toEqual({ id: "s", kind: "http", url: "https://api.example.com/abc", body: { n: 7, ok: true, title: "PR Fix (opened) by github.pull_request", p: 3 }, auth: { type: "bearer", token: "t0k" } });
  });

  it("leaves structural fields (ids, patterns, filters, retry) alone and renders filter values only when evaluated", () => {
    const wait = { id: "w", kind: "wait_for_event" as const, event: "github.{{x}}", match: { all: [{ field: "data.number", operator: "equals" as const, value: "{{data.number}}" }] }, timeout: "1 hour" };
    expect(renderStep(wait, scope)).toEqual(wait);
    expect(renderFilter(wait.match, scope)).toEqual({ all: [{ field: "data.number", operator: "equals", value: 7 }] });
  });

  it("evaluates conditions over the whole scope", () => {
    expect(conditionHolds({ all: [{ field: "steps.validate.output.status", operator: "equals", value: 200 }, { field: "params.n", operator: "greater_than", value: 2 }] }, scope)).toBe(true);
    expect(conditionHolds({ all: [{ field: "data.number", operator: "equals", value: "{{params.n}}" }] }, scope)).toBe(false);
    expect(conditionHolds({ any: [{ field: "metadata.action", operator: "in", value: ["closed"] }] }, scope)).toBe(false);
  });

  it("matches waits by pattern, rendered filter and expiry", () => {
    const wait = (pattern: string, match: unknown, expires = 10) => ({ run_id: "r", step_id: "w", tenant_id: "default", event_pattern: pattern, match: match ? JSON.stringify(match) : null, created_at: 0, expires_at: expires });
    const e = event("github.pull_request", { pull_request: { title: "ENG-7 fix" } });
    const title = { all: [{ field: "data.pull_request.title", operator: "contains", value: "ENG-7" }] };
    expect(waitsResumedBy(e, [wait("github.*", title), wait("github.push", null), wait("github.pull_request", { all: [{ field: "data.pull_request.title", operator: "contains", value: "ENG-8" }] }), wait("*", null, 1)], 5)).toHaveLength(1);
  });
});

describe("durations", () => {
  it("parses short and long units and milliseconds", () => {
    expect(parseDuration("5s")).toBe(5000);
    expect(parseDuration("10 minutes")).toBe(600_000);
    expect(parseDuration("1.5 h")).toBe(5_400_000);
    expect(parseDuration("7 days")).toBe(604_800_000);
    expect(parseDuration("250")).toBe(250);
    expect(parseDuration(1200)).toBe(1200);
  });
  it("refuses garbage, negatives and more than a year", () => {
    for (const bad of ["", "soon", "5 fortnights", "-1s", -5, "400 days", Number.NaN]) expect(parseDuration(bad as string | number)).toBeNull();
  });
});

describe("http expectations", () => {
  it("defaults to 2xx and accepts exact codes and classes", () => {
    expect(statusExpected(204)).toBe(true);
    expect(statusExpected(302)).toBe(false);
    expect(statusExpected(404, [404])).toBe(true);
    expect(statusExpected(422, ["2xx", "4xx"])).toBe(true);
    expect(statusExpected(500, ["2xx", 404])).toBe(false);
  });
});

describe("rule schema", () => {
  const base = { name: "r", trigger: { events: ["a.*"] }, steps: [{ id: "a", kind: "delay", duration: "5s" }] };
  it("fills defaults and accepts every step kind", () => {
    const parsed = CREATE_RULE.parse({
      ...base,
      steps: [
        { id: "d", kind: "delay", duration: 100 },
        { id: "h", kind: "http", url: "https://x.example/{{data.id}}", expect: [200, "4xx"], retry: { limit: 3 } },
        { id: "p", kind: "publish", type: "x.y", data: {} },
        { id: "n", kind: "notify", channels: ["ops"], title: "t", body: "b" },
        { id: "c", kind: "condition", if: { all: [{ field: "data.a", operator: "exists" }] } },
        { id: "w", kind: "wait_for_event", event: "x.*", timeout: "1 day" },
      ],
    });
    expect(parsed).toMatchObject({ priority: 100, enabled: true, stopProcessing: false, params: {} });
    expect(parsed.steps[1]).toMatchObject({ retry: { limit: 3, delayMs: 1000, backoff: "exponential" } });
  });
  it("refuses duplicate step ids, unknown kinds, bad durations, too many steps and out-of-range priority", () => {
    expect(CREATE_RULE.safeParse({ ...base, steps: [base.steps[0], base.steps[0]] }).success).toBe(false);
    expect(CREATE_RULE.safeParse({ ...base, steps: [{ id: "x", kind: "sleep" }] }).success).toBe(false);
    expect(CREATE_RULE.safeParse({ ...base, steps: [{ id: "x", kind: "delay", duration: "soon" }] }).success).toBe(false);
    expect(CREATE_RULE.safeParse({ ...base, steps: Array.from({ length: 51 }, (_, i) => ({ id: `s${i}`, kind: "delay", duration: 1 })) }).success).toBe(false);
    expect(CREATE_RULE.safeParse({ ...base, priority: 1001 }).success).toBe(false);
    expect(CREATE_RULE.safeParse({ ...base, steps: [] }).success).toBe(false);
  });
});

describe("built-in templates", () => {
  it("each builds a valid rule from its required params", () => {
    for (const template of Object.values(RULE_TEMPLATES)) {
      const given = Object.fromEntries(template.params.filter((p) => p.required).map((p) => [p.name, p.name.endsWith("Url") || p.name === "url" ? "https://hooks.example.com/x" : "value"]));
      const resolved = resolveParams(template, given);
      expect("params" in resolved).toBe(true);
      if (!("params" in resolved)) continue;
      const parsed = CREATE_RULE.safeParse(template.build(resolved.params, { githubApiUrl: "https://api.github.com" }));
      expect(parsed.success, `${template.id}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });
  it("names the missing required params", () => {
    expect(resolveParams(RULE_TEMPLATES.pr_validation!, { githubToken: "x" })).toEqual({ missing: ["validatorUrl"] });
  });
});
