// The destination guard through the API with private destinations off: names that resolve to private addresses are refused.
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

const vars = { ALLOW_PRIVATE_DESTINATIONS: "false" };

describe("destination guard names", () => {
  it("refuses nip.io, localtest.me, local suffixes and NAT64 local-use with a 400 naming url", async () => {
    for (const url of ["http://127.0.0.1.nip.io/h", "http://localtest.me/h", "http://x.localdomain/h", "http://x.lan/h", "http://x.internal/h", "http://x.svc/h", "http://x.local/h", "http://[64:ff9b:1::7f00:1]/h"]) {
      const res = await call("/subscriptions", { body: { url, events: ["a.*"] }, vars });
      expect(res.status, url).toBe(400);
      expect(res.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "url" } });
    }
    const ok = await call("/subscriptions", { body: { url: "https://hooks.example.com/h", events: ["a.*"] }, vars });
    expect(ok.status).toBe(201);
  });
});
