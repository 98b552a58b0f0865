// What integration platforms send: deadline forms, form bodies, "" as absent, strings coerced per schema.
import { describe, expect, it } from "vitest";
import { normaliseDeadline } from "../../src/actions/deadline";
import { normaliseInput } from "../../src/actions/platform-inputs";
import { CREATE_TASK, SEND_NOTIFICATION, START_RESEARCH } from "../../src/actions/schemas";
import { formToObject, isFormContentType } from "../../src/http/form";

describe("normaliseDeadline", () => {
  it.each([
    ["2026-12-13T09:30:00Z", "2026-12-13T09:30:00.000Z"],
    ["2026-12-13T09:30:00+02:00", "2026-12-13T07:30:00.000Z"],
    ["2026-12-13T09:30:00.5-0100", "2026-12-13T10:30:00.500Z"],
    ["2026-12-13T09:30:00", "2026-12-13T09:30:00.000Z"],
    ["2026-12-13T09:30", "2026-12-13T09:30:00.000Z"],
    ["2026-12-13 09:30:15", "2026-12-13T09:30:15.000Z"],
    ["2026-12-13", "2026-12-13T23:59:59.999Z"],
    ["December 13, 2026 at 09:30AM", "2026-12-13T09:30:00.000Z"],
    ["December 13, 2026 at 12:05AM", "2026-12-13T00:05:00.000Z"],
    ["december 3, 2026 at 12:00PM", "2026-12-03T12:00:00.000Z"],
    ["March 1, 2027 at 11:59 pm", "2027-03-01T23:59:00.000Z"],
  ])("%s → %s", (input, expected) => {
    expect(normaliseDeadline(input)).toBe(expected);
  });

  it.each(["", "tomorrow", "2026-02-30", "2026-13-01", "2026-12-13T25:00:00", "Smarch 13, 2026 at 09:30AM", "December 13, 2026 at 13:30PM", "13/12/2026"])("refuses %j", (input) => {
    expect(normaliseDeadline(input)).toBeNull();
  });
});

describe("form bodies", () => {
  it("recognises the content type with parameters", () => {
    expect(isFormContentType("application/x-www-form-urlencoded; charset=utf-8")).toBe(true);
    expect(isFormContentType("application/json")).toBe(false);
    expect(isFormContentType(undefined)).toBe(false);
  });

  it("decodes repeated keys and [] as lists, key[sub] as one level of object", () => {
    expect(formToObject("action=add_task&task=Call+Ann+about+the+deck&tags=a&tags=b&x[]=1&data[env]=prod&data[v]=2")).toEqual({
      action: "add_task",
      task: "Call Ann about the deck",
      tags: ["a", "b"],
      x: ["1"],
      data: { env: "prod", v: "2" },
    });
  });
});

describe("normaliseInput", () => {
  it("drops optional fields sent as empty strings or null and keeps required ones for the schema to judge", () => {
    expect(normaliseInput({ action: "add_task", task: "", priority: "", deadline: "", expected: null, tags: "", idempotencyKey: "" }, CREATE_TASK)).toEqual({ action: "add_task", task: "" });
  });

  it("coerces numbers, comma lists, JSON objects and enum case; leaves unknown fields alone", () => {
    expect(normaliseInput({ action: "start_research", topic: "edge", depth: "3", maxAge: " 60 ", sources: "a, b,,c", format: "JSON", extra: "" }, START_RESEARCH)).toEqual({
      action: "start_research",
      topic: "edge",
      depth: 3,
      maxAge: 60,
      sources: ["a", "b", "c"],
      format: "json",
      extra: "",
    });
    expect(normaliseInput({ priority: "p1", channels: "ops", data: '{"a":1}', tags: ["x"] }, SEND_NOTIFICATION)).toEqual({ priority: "P1", channels: ["ops"], data: { a: 1 }, tags: ["x"] });
    expect(normaliseInput({ depth: "three", data: "{bad" }, START_RESEARCH)).toEqual({ depth: "three", data: "{bad" });
  });

  it("passes non-objects through", () => {
    expect(normaliseInput([1], CREATE_TASK)).toEqual([1]);
    expect(normaliseInput("x", CREATE_TASK)).toBe("x");
  });
});
