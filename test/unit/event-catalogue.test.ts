/// <reference types="vite/client" />
// The event catalogue: every type the code can emit is listed, each has a JSON Schema its example satisfies.
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { EVENT_CATALOGUE } from "../../src/events/catalogue";
import { GATEWAY_EVENT_TYPES, type EventType } from "../../src/events/types";
import type { PublishInput } from "../../src/publish";

// Every source file as text: emit sites are the `type: "a.b"` literals of publish inputs.
const SOURCES = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const EMITTED = /\btype:\s*"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"(?:\s+as\s+const)?\s*,\s*data\b/g;

function emittedTypes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [file, text] of Object.entries(SOURCES)) {
    if (file.includes("/events/catalogue.ts")) continue;
    for (const match of text.matchAll(EMITTED)) found.set(match[1]!, [...(found.get(match[1]!) ?? []), file]);
  }
  return found;
}

describe("event catalogue", () => {
  it("lists every type an emit site in src/ uses", () => {
    const emitted = emittedTypes();
    // the scan must see the known emit sites, or it proves nothing
    for (const type of ["task.created", "task.started", "api.key.created", "api.limit.exceeded", "subscription.enabled", "delivery.failed", "system.health.restored", "webhook.test"]) {
      expect(emitted.has(type), `${type} not found by the scan`).toBe(true);
    }
    for (const [type, files] of emitted) expect(GATEWAY_EVENT_TYPES, `${type} (${files.join(", ")})`).toContain(type);
  });
  it("has a JSON Schema per type that its example satisfies", () => {
    for (const entry of EVENT_CATALOGUE) {
      const result = new Validator(entry.schema as object, "2020-12").validate(entry.example);
      expect(result.valid, `${entry.type}: ${JSON.stringify(result.errors)}`).toBe(true);
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });
  it("schemas reject data that misses a required field", () => {
    const entry = EVENT_CATALOGUE.find((e) => e.type === "api.key.created")!;
    expect(new Validator(entry.schema as object, "2020-12").validate({ tokenId: "tok-1" }).valid).toBe(false);
  });
  it("lists each type once, including every operational event of the contract", () => {
    const types = EVENT_CATALOGUE.map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
    for (const type of ["api.key.created", "api.key.revoked", "api.limit.exceeded", "subscription.disabled", "subscription.enabled", "delivery.failed", "system.health.degraded", "system.health.restored", "task.started", "workflow.started", "workflow.completed", "workflow.failed"]) {
      expect(types).toContain(type);
    }
  });
  it("does not compile an unlisted type", () => {
    // @ts-expect-error -- "nope.unlisted" is not in the catalogue (npm run typecheck fails if this compiles)
    const input: PublishInput = { type: "nope.unlisted", data: {} };
    const provider: EventType = "github.push";
    expect([input.type, provider]).toHaveLength(2);
  });
});
