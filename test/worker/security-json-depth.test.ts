// The JSON depth bound at the gate: a deeply nested body is 400 before anything is stored.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { jsonTooDeep } from "../../src/lib/json-depth";
import { call, createToken } from "./helpers";
import { deliver, sign } from "./source-signing";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("JSON depth", () => {
  it("counts brackets outside strings only", () => {
    expect(jsonTooDeep(nested(64))).toBe(false);
    expect(jsonTooDeep(nested(65))).toBe(true);
    expect(jsonTooDeep(JSON.stringify({ s: "[".repeat(500) + '\\"' }))).toBe(false);
  });

  it("answers 400 INVALID_JSON to an array nested 10,000 deep and stores no event", async () => {
    const { key } = await createToken(["events"]);
    const rawBody = `{"type":"deep.nesting","data":{"x":${nested(10_000)}}}`;
    const res = await call("/events", { token: key, rawBody, headers: { "Content-Type": "application/json" }, vars: {} });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code: "INVALID_JSON", details: { maxDepth: 64 } });
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'deep.nesting'").first<{ n: number }>();
    expect(stored!.n).toBe(0);
    const ok = await call("/events", { token: key, rawBody: `{"type":"deep.nesting","data":{"x":${nested(60)}}}`, headers: { "Content-Type": "application/json" } });
    expect(ok.status).toBe(201);
  });

  it("refuses a deeply nested, correctly signed provider body the same way", async () => {
    const body = `{"type":"event_callback","event":{"x":${nested(5000)}}}`;
    const res = await deliver("slack", body, sign.slack("slack-signing-secret-0123456789", body));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code: "INVALID_JSON" });
  });
});
