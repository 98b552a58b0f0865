// Pure outbound-credential rules: the url-origin rule, the shared header rules, sealed write-only header values.
import { describe, expect, it } from "vitest";
import { credentialsAfterUrlChange } from "../../src/delivery/core/credentials-after-url-change";
import { HEADER_MASK, maskedHeaders, openHeaders, sealHeaders } from "../../src/delivery/core/sealed-headers";
import { isCredentialHeader, isReservedHeader, isValidHeaderValue } from "../../src/lib/header-rules";

const KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0xMjM=";
const base = { previousUrl: "https://a.example/hook", authSupplied: false, headersSupplied: false, hasAuth: true, hasHeaders: true };

describe("credentials after a url change", () => {
  it("keeps everything within the origin and when the url is not changed", () => {
    expect(credentialsAfterUrlChange({ ...base, nextUrl: undefined }).dropped).toEqual([]);
    expect(credentialsAfterUrlChange({ ...base, nextUrl: "https://a.example/other?x=1" })).toEqual({ originChanged: false, dropped: [], mayKeepMaskedHeaders: true });
  });

  it("drops what is not supplied again when the scheme, host or port changes", () => {
    for (const nextUrl of ["https://b.example/hook", "http://a.example/hook", "https://a.example:8443/hook", "https://a.example.evil.test/hook"]) {
      expect(credentialsAfterUrlChange({ ...base, nextUrl })).toEqual({ originChanged: true, dropped: ["auth", "headers"], mayKeepMaskedHeaders: false });
    }
    expect(credentialsAfterUrlChange({ ...base, nextUrl: "https://b.example/", authSupplied: true }).dropped).toEqual(["headers"]);
    expect(credentialsAfterUrlChange({ ...base, nextUrl: "https://b.example/", hasAuth: false, hasHeaders: false }).dropped).toEqual([]);
  });
});

describe("header rules", () => {
  it("reserves the gateway's headers in any case", () => {
    for (const name of ["Webhook-Signature", "webhook-id", "X-WEBHOOK-ID", "x-webhook-anything", "Content-Type", "HOST", "user-agent", "Content-Length"]) expect(isReservedHeader(name), name).toBe(true);
    for (const name of ["Authorization", "X-Api-Key", "X-Webhooks", "Webhook"]) expect(isReservedHeader(name), name).toBe(false);
  });

  it("accepts visible ASCII, spaces and tabs only", () => {
    expect(isValidHeaderValue("Bearer abc.def ~!")).toBe(true);
    expect(isValidHeaderValue("a\tb")).toBe(true);
    for (const bad of ["a\u0000", "a\u000b", "a\r\nb", "a\u2028", "é", "\u007f"]) expect(isValidHeaderValue(bad), JSON.stringify(bad)).toBe(false);
  });

  it("recognises credential-like header names", () => {
    for (const name of ["Authorization", "cookie", "Set-Cookie", "X-Auth", "X-Api-Key", "X-Auth-Token", "Proxy-Authorization", "X-Slack-Signature", "X-Session-Id"]) expect(isCredentialHeader(name), name).toBe(true);
    for (const name of ["Content-Type", "Accept", "X-Request-ID", "User-Agent"]) expect(isCredentialHeader(name), name).toBe(false);
  });
});

describe("sealed header values", () => {
  it("stores values sealed per subscription and name, shows them masked, opens them for sending", async () => {
    const { column, missing } = await sealHeaders({ Authorization: "Token abc", "X-Env": "prod" }, { key: KEY, subscriptionId: "sub-1", previous: null });
    expect(missing).toEqual([]);
    expect(column).not.toContain("Token abc");
    expect(maskedHeaders(column)).toEqual({ Authorization: HEADER_MASK, "X-Env": HEADER_MASK });
    expect(await openHeaders(column, KEY, "sub-1")).toEqual({ Authorization: "Token abc", "X-Env": "prod" });
    await expect(openHeaders(column, KEY, "sub-2")).rejects.toThrow();
  });

  it("keeps a stored value for a masked input (case-insensitively) and names masked values with nothing to keep", async () => {
    const first = await sealHeaders({ Authorization: "Token abc" }, { key: KEY, subscriptionId: "sub-1", previous: null });
    const kept = await sealHeaders({ authorization: HEADER_MASK, "X-New": HEADER_MASK }, { key: KEY, subscriptionId: "sub-1", previous: first.column });
    expect(kept.missing).toEqual(["X-New"]);
    const again = await sealHeaders({ authorization: HEADER_MASK }, { key: KEY, subscriptionId: "sub-1", previous: first.column });
    expect(await openHeaders(again.column, KEY, "sub-1")).toEqual({ authorization: "Token abc" });
  });

  it("reads values stored in clear before sealing existed, and seals them when kept", async () => {
    const legacy = JSON.stringify({ "X-Team": "blue" });
    expect(await openHeaders(legacy, KEY, "sub-1")).toEqual({ "X-Team": "blue" });
    const kept = await sealHeaders({ "X-Team": HEADER_MASK }, { key: KEY, subscriptionId: "sub-1", previous: legacy });
    expect(kept.column).not.toContain("blue");
    expect(await openHeaders(kept.column, KEY, "sub-1")).toEqual({ "X-Team": "blue" });
  });
});
