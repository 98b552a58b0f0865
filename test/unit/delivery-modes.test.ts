// Delivery modes, pure parts: the FIFO key of an event, the batch body, conflicts, when a window closes.
import { describe, expect, it } from "vitest";
import { batchBody, modeConflict, orderingKeyOf, windowClosesAt } from "../../src/delivery/core/modes";

describe("orderingKeyOf", () => {
  const event = { id: "evt-1", type: "order.paid", data: { customerId: "c-1", n: 7, nested: { id: { x: 1 } }, none: null } };
  it("is null without FIFO, '' for the whole subscription", () => {
    expect(orderingKeyOf(null, event)).toBeNull();
    expect(orderingKeyOf(undefined, event)).toBeNull();
    expect(orderingKeyOf({ mode: "fifo" }, event)).toBe("");
  });
  it("reads the dotted path: strings as they are, other values as JSON, missing or null as ''", () => {
    expect(orderingKeyOf({ mode: "fifo", key: "data.customerId" }, event)).toBe("c-1");
    expect(orderingKeyOf({ mode: "fifo", key: "data.n" }, event)).toBe("7");
    expect(orderingKeyOf({ mode: "fifo", key: "data.nested.id" }, event)).toBe('{"x":1}');
    expect(orderingKeyOf({ mode: "fifo", key: "data.missing" }, event)).toBe("");
    expect(orderingKeyOf({ mode: "fifo", key: "data.none" }, event)).toBe("");
    expect(orderingKeyOf({ mode: "fifo", key: "type" }, event)).toBe("order.paid");
  });
});

describe("batchBody", () => {
  it("wraps the events' JSON texts in publish order", () => {
    const body = batchBody("bat_1", ['{"id":"evt-1"}', '{"id":"evt-2"}']);
    expect(JSON.parse(body)).toEqual({ type: "batch", id: "bat_1", events: [{ id: "evt-1" }, { id: "evt-2" }] });
    expect(JSON.parse(batchBody("bat_2", []))).toEqual({ type: "batch", id: "bat_2", events: [] });
  });
});

describe("modeConflict", () => {
  const batch = { maxEvents: 10, maxWaitMs: 1000 };
  it("refuses batch with ordering, and batch with a template", () => {
    expect(modeConflict({ batch, ordering: { mode: "fifo" }, template: null })?.field).toBe("ordering");
    expect(modeConflict({ batch, ordering: null, template: { text: "x" } })?.field).toBe("batch");
    expect(modeConflict({ batch, ordering: null, template: null })).toBeNull();
    expect(modeConflict({ batch: null, ordering: { mode: "fifo" }, template: "slack" })).toBeNull();
  });
});

describe("windowClosesAt", () => {
  const batch = { maxEvents: 3, maxWaitMs: 500 };
  it("is now when full, else when the oldest has waited maxWaitMs (never in the past)", () => {
    expect(windowClosesAt({ count: 3, oldestAt: 1000 }, batch, 1100)).toBe(1100);
    expect(windowClosesAt({ count: 2, oldestAt: 1000 }, batch, 1100)).toBe(1500);
    expect(windowClosesAt({ count: 1, oldestAt: 1000 }, batch, 9000)).toBe(9000);
  });
});
