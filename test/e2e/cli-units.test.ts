// The CLI's pure parts: tables that fit 80 columns, connection precedence (flags, environment,
// profile), and signature checks against the standardwebhooks reference library.
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { resolveConnection } from "../../cli/config/profile";
import { UsageError } from "../../cli/lib/errors";
import { schemeOf, verifySignature, verifyWithPublicKey } from "../../cli/lib/signature";
import { renderRecord, renderTable, shortTime, truncate } from "../../cli/output/table";

describe("tables", () => {
  const columns = [
    { header: "id", value: (r: any) => r.id },
    { header: "status", value: (r: any) => r.status },
    { header: "url", value: (r: any) => r.url, flex: true },
    { header: "name", value: (r: any) => r.name, flex: true },
  ];

  it("fit 80 columns by cutting flexible columns, never ids or status", () => {
    const rows = [{ id: "sub-AAAAAAAAAAAAAAAA", status: "active", url: `https://example.com/${"p".repeat(100)}`, name: "n".repeat(60) }];
    const out = renderTable(rows, columns);
    const lines = out.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(lines[1]).toMatch(/^sub-AAAAAAAAAAAAAAAA  active  https:\/\/example\.com\/p+…  n+…$/);
  });

  it("fit when fixed columns leave little room: flexible ones go down to 4", () => {
    const wide = [{ id: "tok-if-TSqTxFVX9NuI6", status: "active-ish", url: "https://e.com/abcdefgh", name: "token name" }];
    const cols = [...columns, { header: "last used", value: () => "2026-11-29 18:32:34.884", flex: false }, { header: "pad", value: () => "x".repeat(8) }];
    for (const line of renderTable(wide, cols).trimEnd().split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
    expect(shortTime("2026-11-29T18:32:34.884Z")).toBe("2026-11-29 18:32");
    expect(shortTime(null)).toBeNull();
  });

  it("align short rows without cutting, and say when there are none", () => {
    const out = renderTable([{ id: "a", status: "ok", url: "u", name: null }], columns);
    expect(out).toBe("ID  STATUS  URL  NAME\na   ok      u    -\n");
    expect(renderTable([], columns)).toBe("(none)\n");
  });

  it("show records as field/value lines within 80 columns", () => {
    const out = renderRecord({ id: "x", nested: { a: 1 }, long: "z".repeat(200) });
    for (const line of out.trimEnd().split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
    expect(out).toContain('nested  {"a":1}');
    expect(truncate("abcdef", 4)).toBe("abc…");
  });
});

describe("connection", () => {
  const home = mkdtempSync(join(tmpdir(), "edgehook-conn-"));
  mkdirSync(join(home, "edgehook"));
  writeFileSync(join(home, "edgehook", "config.toml"), '[default]\nurl = "http://profile:1"\ntoken = "profile-token"\n[other]\nurl = "http://other:2"\ntoken = "other-token"\n');
  const base = { XDG_CONFIG_HOME: home };

  it("takes flags first, then EDGEHOOK_URL/EDGEHOOK_TOKEN, then the profile", () => {
    expect(resolveConnection({ env: base })).toEqual({ url: "http://profile:1", token: "profile-token", profile: "default" });
    expect(resolveConnection({ env: { ...base, EDGEHOOK_URL: "http://env:3", EDGEHOOK_TOKEN: "env-token" } })).toMatchObject({ url: "http://env:3", token: "env-token" });
    expect(resolveConnection({ apiUrl: "http://flag:4", token: "flag-token", env: { ...base, EDGEHOOK_URL: "http://env:3", EDGEHOOK_TOKEN: "env-token" } })).toMatchObject({ url: "http://flag:4", token: "flag-token" });
    expect(resolveConnection({ env: { ...base, EDGEHOOK_PROFILE: "other" } })).toEqual({ url: "http://other:2", token: "other-token", profile: "other" });
    expect(resolveConnection({ profile: "other", env: { ...base, EDGEHOOK_PROFILE: "default", EDGEHOOK_TOKEN: "env-token" } })).toEqual({ url: "http://other:2", token: "env-token", profile: "other" });
  });

  it("is a usage error without a url", () => {
    expect(() => resolveConnection({ profile: "missing", env: base })).toThrow(UsageError);
    expect(() => resolveConnection({ apiUrl: "not a url", env: base })).toThrow(UsageError);
  });
});

describe("signatures", () => {
  const secret = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
  const body = '{"id":"evt-1","type":"x.y","data":{}}';

  it("accept what the reference Standard Webhooks library signs, and nothing else", async () => {
    const now = new Date();
    const signature = new Webhook(secret).sign("msg_1", now, body);
    const claim = { id: "msg_1", timestamp: String(Math.floor(now.getTime() / 1000)), signature: `v1,bogus ${signature}` };
    expect(await verifySignature(secret, body, claim, { toleranceSeconds: 300 })).toEqual({ valid: true, scheme: "standard-webhooks" });
    expect((await verifySignature(secret, body + " ", claim, { toleranceSeconds: 300 })).valid).toBe(false);
    expect((await verifySignature(secret, body, { ...claim, id: "msg_2" }, { toleranceSeconds: 300 })).valid).toBe(false);
    expect(await verifySignature(secret, body, { ...claim, id: undefined }, { toleranceSeconds: 300 })).toMatchObject({ valid: false, reason: expect.stringContaining("--id") });
    const later = now.getTime() + 301_000;
    expect(await verifySignature(secret, body, claim, { toleranceSeconds: 300, nowMs: later })).toMatchObject({ valid: false, reason: expect.stringContaining("300 s") });
    expect((await verifySignature(secret, body, claim, { toleranceSeconds: 0, nowMs: later })).valid).toBe(true);
  });

  it("check v1a (Ed25519) entries with a public key: the issue's published vector in Node", async () => {
    const publicKey = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";
    const v1a = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";
    const claim = { id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330", signature: `v1,bogus ${v1a}` };
    const vectorBody = '{"test": 2432232314}';
    expect(await verifyWithPublicKey(publicKey, vectorBody, claim, { toleranceSeconds: 0 })).toEqual({ valid: true, scheme: "standard-webhooks-v1a" });
    expect((await verifyWithPublicKey(publicKey, vectorBody + " ", claim, { toleranceSeconds: 0 })).valid).toBe(false);
    expect((await verifyWithPublicKey(publicKey, vectorBody, claim, { toleranceSeconds: 300 })).valid).toBe(false);
    expect(await verifyWithPublicKey(publicKey, vectorBody, { ...claim, signature: "v1,abc" }, { toleranceSeconds: 0 })).toMatchObject({ valid: false, reason: expect.stringContaining("v1a") });
    expect(await verifySignature(secret, vectorBody, { ...claim, signature: v1a }, { toleranceSeconds: 0 })).toMatchObject({ valid: false, reason: expect.stringContaining("--public-key") });
    expect(schemeOf(v1a)).toBe("standard-webhooks-v1a");
  });

  it("tell the schemes apart by the signature's form", () => {
    expect(schemeOf("v1,abc")).toBe("standard-webhooks");
    expect(schemeOf("v1,a v1,b")).toBe("standard-webhooks");
    expect(schemeOf("sha256=ab")).toBe("x-webhook");
    expect(schemeOf("md5=ab")).toBeNull();
  });
});
