// Event-type patterns and payload filters.
import { describe, expect, it } from "vitest";
import { EVENT_PATTERN, matchesAnyPattern, matchesFilter, matchesPattern, testCondition, valueAt, type FilterGroup } from "../../src/delivery/core/match";

describe("patterns", () => {
  it("matches exact types, prefix.* and *", () => {
    expect(matchesPattern("task.created", "task.created")).toBe(true);
    expect(matchesPattern("task.created", "task.completed")).toBe(false);
    expect(matchesPattern("task.*", "task.created")).toBe(true);
    expect(matchesPattern("task.*", "task.sub.deep")).toBe(true);
    expect(matchesPattern("task.*", "task")).toBe(false);
    expect(matchesPattern("task.*", "tasks.created")).toBe(false);
    expect(matchesPattern("stripe.invoice.*", "stripe.invoice.paid")).toBe(true);
    expect(matchesPattern("*", "anything.at.all")).toBe(true);
    expect(matchesAnyPattern(["a.b", "c.*"], "c.d")).toBe(true);
    expect(matchesAnyPattern([], "c.d")).toBe(false);
  });
  it("validates pattern syntax", () => {
    for (const ok of ["*", "task.created", "task.*", "github.push", "stripe.invoice.paid", "a_b-c.d"]) expect(EVENT_PATTERN.test(ok)).toBe(true);
    for (const bad of ["", "task.", ".task", "task*", "*.created", "ta sk", "task.*.x", "**"]) expect(EVENT_PATTERN.test(bad)).toBe(false);
  });
});

const body = {
  id: "evt-1",
  type: "order.created",
  data: { total: 120, currency: "EUR", tags: ["vip", "eu"], user: { email: "a@example.com", plan: "pro" }, note: null },
  metadata: { source: "shop" },
};

describe("valueAt", () => {
  it("walks dotted paths, including array indexes", () => {
    expect(valueAt(body, "data.user.plan")).toBe("pro");
    expect(valueAt(body, "data.tags.1")).toBe("eu");
    expect(valueAt(body, "data.missing.deep")).toBeUndefined();
    expect(valueAt(body, "data.total.x")).toBeUndefined();
    expect(valueAt(body, "data.__proto__")).toBeUndefined();
  });
});

describe("operators", () => {
  const t = (operator: any, actual: unknown, value?: unknown) => testCondition({ field: "f", operator, value }, actual);
  it("equals / not_equals compare JSON structurally", () => {
    expect(t("equals", "pro", "pro")).toBe(true);
    expect(t("equals", 1, "1")).toBe(false);
    expect(t("equals", { a: [1] }, { a: [1] })).toBe(true);
    expect(t("equals", undefined, undefined)).toBe(false);
    expect(t("not_equals", "pro", "free")).toBe(true);
    expect(t("not_equals", undefined, "free")).toBe(true);
  });
  it("in / not_in take a list", () => {
    expect(t("in", "EUR", ["USD", "EUR"])).toBe(true);
    expect(t("in", "GBP", ["USD", "EUR"])).toBe(false);
    expect(t("in", "EUR", "EUR")).toBe(false);
    expect(t("not_in", "GBP", ["USD", "EUR"])).toBe(true);
    expect(t("not_in", "EUR", ["USD", "EUR"])).toBe(false);
  });
  it("greater_than / less_than compare numbers with numbers and strings with strings", () => {
    expect(t("greater_than", 120, 100)).toBe(true);
    expect(t("greater_than", 100, 100)).toBe(false);
    expect(t("less_than", 99, 100)).toBe(true);
    expect(t("greater_than", "2026-02-01", "2026-01-01")).toBe(true);
    expect(t("greater_than", "120", 100)).toBe(false);
    expect(t("less_than", undefined, 100)).toBe(false);
  });
  it("contains works on strings and arrays", () => {
    expect(t("contains", "a@example.com", "@example.")).toBe(true);
    expect(t("contains", ["vip", "eu"], "vip")).toBe(true);
    expect(t("contains", ["vip", "eu"], "us")).toBe(false);
    expect(t("contains", 42, 4)).toBe(false);
  });
  it("exists is true for present non-null values; value false inverts", () => {
    expect(t("exists", "x")).toBe(true);
    expect(t("exists", 0)).toBe(true);
    expect(t("exists", null)).toBe(false);
    expect(t("exists", undefined)).toBe(false);
    expect(t("exists", undefined, false)).toBe(true);
  });
});

describe("matchesFilter", () => {
  it("all needs every condition, any needs one", () => {
    const all: FilterGroup = { all: [{ field: "data.total", operator: "greater_than", value: 100 }, { field: "data.currency", operator: "equals", value: "EUR" }] };
    expect(matchesFilter(all, body)).toBe(true);
    expect(matchesFilter({ all: [...all.all!, { field: "data.user.plan", operator: "equals", value: "free" }] }, body)).toBe(false);
    const any: FilterGroup = { any: [{ field: "data.user.plan", operator: "equals", value: "free" }, { field: "metadata.source", operator: "equals", value: "shop" }] };
    expect(matchesFilter(any, body)).toBe(true);
    expect(matchesFilter({ any: [{ field: "data.user.plan", operator: "equals", value: "free" }] }, body)).toBe(false);
  });
  it("combines all and any, and nests groups", () => {
    const filter: FilterGroup = {
      all: [{ field: "type", operator: "equals", value: "order.created" }, { any: [{ field: "data.tags", operator: "contains", value: "vip" }, { field: "data.total", operator: "greater_than", value: 1000 }] }],
      any: [{ field: "data.note", operator: "exists", value: false }],
    };
    expect(matchesFilter(filter, body)).toBe(true);
    expect(matchesFilter({ ...filter, any: [{ field: "data.note", operator: "exists" }] }, body)).toBe(false);
  });
  it("no filter or empty groups match everything", () => {
    expect(matchesFilter(null, body)).toBe(true);
    expect(matchesFilter({}, body)).toBe(true);
    expect(matchesFilter({ all: [], any: [] }, body)).toBe(true);
  });
});
