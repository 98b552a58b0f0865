// The one url redaction helper (pure).
import { describe, expect, it } from "vitest";
import { redactUrl } from "../../src/lib/redact-url";
import { linkTo } from "../../src/http/links";

describe("redactUrl", () => {
  it("hides userinfo, query values and token-like path segments, and drops the fragment", () => {
    expect(redactUrl("https://u:p@example.com/a?token=x&b=2#frag")).toBe("https://REDACTED@example.com/a?token=REDACTED&b=REDACTED");
    expect(redactUrl("https://hooks.slack.com/services/T0000000/B0000000/aB3dE5gH7jK9mN1pQ3rS5tU7")).toBe("https://hooks.slack.com/services/T0000000/B0000000/REDACTED");
    expect(redactUrl("https://discord.com/api/webhooks/123456789012345678/Zx9_ab-CDefGhIJklMNopQRstUVwxYZ0123456789abcdefghij")).toBe("https://discord.com/api/webhooks/123456789012345678/REDACTED");
  });

  it("leaves plain urls and non-urls alone", () => {
    expect(redactUrl("https://example.com:8443/webhooks/orders")).toBe("https://example.com:8443/webhooks/orders");
    expect(redactUrl("not a url")).toBe("not a url");
  });
});

describe("generated links", () => {
  it("set the page parameters and drop api_key", () => {
    expect(linkTo("https://x.test/webhooks/v2/audit?limit=1&api_key=k&action=a", { cursor: "c1" })).toBe("/webhooks/v2/audit?limit=1&action=a&cursor=c1");
  });
});
