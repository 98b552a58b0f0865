// Black-box checks of the running gateway over real HTTP (Node fetch against `wrangler dev`).
import { describe, expect, inject, it } from "vitest";

const url = inject("gatewayUrl");
const admin = inject("adminToken");

describe("gateway over HTTP", () => {
  it("serves health without auth", async () => {
    const res = await fetch(`${url}/webhooks/v2/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data.checks.database.status).toBe("ok");
  });

  it("refuses a request without credentials with the JSON envelope", async () => {
    const res = await fetch(`${url}/webhooks/v2/tokens`);
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, code: "UNAUTHORIZED", retryable: false });
  });

  it("lets the admin token list tokens", async () => {
    const res = await fetch(`${url}/webhooks/v2/tokens`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(200);
  });
});
