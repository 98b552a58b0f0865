// The provider signature schemes (src/sources/*): each signed independently with node:crypto per the provider's documented algorithm.
import { describe, expect, it } from "vitest";
import { generic } from "../../src/sources/generic";
import { github } from "../../src/sources/github";
import { linear } from "../../src/sources/linear";
import type { SourceProvider } from "../../src/sources/provider";
import { shopify } from "../../src/sources/shopify";
import { checkTimestamp, type GenericOptions, type SourceSettings } from "../../src/sources/signature";
import { slack } from "../../src/sources/slack";
import { parseStandardSignatures, standard, standardKeys } from "../../src/sources/standard";
import { parseStripeSignature, stripe } from "../../src/sources/stripe";
import { base64, referenceHmac } from "../worker/source-signing";

const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const BODY = '{"id":"evt_1","type":"invoice.paid","amount":1200,"note":"ünïcødé"}';
const bytes = (text: string) => new TextEncoder().encode(text);
const mac = referenceHmac;
type HeaderMap = Record<string, string>;
const settings = (secrets: string[], extra: Partial<SourceSettings> = {}): SourceSettings => ({ secrets, toleranceSeconds: 300, ...extra });

async function verify(provider: SourceProvider, headers: HeaderMap | Promise<HeaderMap>, body: string | Uint8Array, s: SourceSettings, now = NOW) {
  return provider.verify({ headers: new Headers(await headers), body: typeof body === "string" ? bytes(body) : body, now }, s);
}

/** The cases every scheme must pass: good, rotation, tampered body, wrong secret, missing and malformed headers. */
function commonCases(provider: SourceProvider, sign: (secret: string, body: string) => Promise<HeaderMap>, signatureHeader: string, extra: Partial<SourceSettings> = {}) {
  it("accepts a correct signature over the exact body", async () => {
    expect(await verify(provider, sign("secret-a", BODY), BODY, settings(["secret-a"], extra))).toEqual({ ok: true });
  });

  it("accepts a signature made with any secret in rotation", async () => {
    expect(await verify(provider, sign("secret-old", BODY), BODY, settings(["secret-new", "secret-old"], extra))).toEqual({ ok: true });
    expect(await verify(provider, sign("secret-new", BODY), BODY, settings(["secret-new", "secret-old"], extra))).toEqual({ ok: true });
  });

  it("refuses a tampered body", async () => {
    const result = await verify(provider, sign("secret-a", BODY), BODY.replace("1200", "1300"), settings(["secret-a"], extra));
    expect(result).toMatchObject({ ok: false, reason: "signature_mismatch" });
  });

  it("refuses a body differing only in whitespace (the raw bytes are signed, not the JSON)", async () => {
    const result = await verify(provider, sign("secret-a", BODY), `${BODY}\n`, settings(["secret-a"], extra));
    expect(result).toMatchObject({ ok: false, reason: "signature_mismatch" });
  });

  it("refuses the wrong secret", async () => {
    const result = await verify(provider, sign("secret-b", BODY), BODY, settings(["secret-a"], extra));
    expect(result).toMatchObject({ ok: false, reason: "signature_mismatch" });
  });

  it("refuses a missing signature header", async () => {
    const headers = await sign("secret-a", BODY);
    const without = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== signatureHeader.toLowerCase()));
    const result = await verify(provider, without, BODY, settings(["secret-a"], extra));
    expect(result).toMatchObject({ ok: false, reason: "missing_signature" });
    if (!result.ok) expect(result.message).toContain(signatureHeader);
  });

  it("refuses a malformed signature header", async () => {
    const headers = { ...(await sign("secret-a", BODY)), [signatureHeader]: "garbage" };
    const result = await verify(provider, headers, BODY, settings(["secret-a"], extra));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(["malformed_signature", "signature_mismatch", "missing_timestamp"]).toContain(result.reason);
  });
}

/** Stale and future timestamps, for schemes that sign one. */
function timestampCases(provider: SourceProvider, signAt: (secret: string, body: string, seconds: number) => Promise<HeaderMap>) {
  it("accepts a timestamp inside the tolerance", async () => {
    expect(await verify(provider, signAt("secret-a", BODY, NOW_S - 299), BODY, settings(["secret-a"]))).toEqual({ ok: true });
  });

  it("refuses a stale timestamp with a reason that says so", async () => {
    const result = await verify(provider, signAt("secret-a", BODY, NOW_S - 301), BODY, settings(["secret-a"]));
    expect(result).toMatchObject({ ok: false, reason: "timestamp_out_of_tolerance" });
    if (!result.ok) expect(result.message).toMatch(/301 s old.*300 s tolerance/);
  });

  it("refuses a timestamp too far in the future", async () => {
    const result = await verify(provider, signAt("secret-a", BODY, NOW_S + 600), BODY, settings(["secret-a"]));
    expect(result).toMatchObject({ ok: false, reason: "timestamp_out_of_tolerance" });
  });

  it("honours a configured tolerance", async () => {
    const headers = await signAt("secret-a", BODY, NOW_S - 20);
    expect(await verify(provider, headers, BODY, settings(["secret-a"], { toleranceSeconds: 10 }))).toMatchObject({ ok: false, reason: "timestamp_out_of_tolerance" });
    expect(await verify(provider, headers, BODY, settings(["secret-a"], { toleranceSeconds: 30 }))).toEqual({ ok: true });
  });
}

describe("github", () => {
  const sign = async (secret: string, body: string) => ({ "X-Hub-Signature-256": `sha256=${(await mac("sha256", secret, body)).hex}` });
  commonCases(github, sign, "X-Hub-Signature-256");

  it("accepts upper-case hex and refuses the legacy sha1 header alone", async () => {
    const sig = (await mac("sha256", "s", BODY)).hex.toUpperCase();
    expect(await verify(github, { "X-Hub-Signature-256": `sha256=${sig}` }, BODY, settings(["s"]))).toEqual({ ok: true });
    const sha1 = `sha1=${(await mac("sha1", "s", BODY)).hex}`;
    expect(await verify(github, { "X-Hub-Signature": sha1 }, BODY, settings(["s"]))).toMatchObject({ ok: false, reason: "missing_signature" });
  });
});

describe("stripe", () => {
  const signAt = async (secret: string, body: string, t: number) => ({ "Stripe-Signature": `t=${t},v1=${(await mac("sha256", secret, `${t}.${body}`)).hex}` });
  commonCases(stripe, (secret, body) => signAt(secret, body, NOW_S), "Stripe-Signature");
  timestampCases(stripe, signAt);

  it("accepts any of several v1 signatures (Stripe's secret roll) and ignores v0", async () => {
    const t = NOW_S;
    const good = (await mac("sha256", "whsec_current", `${t}.${BODY}`)).hex;
    const header = `t=${t},v1=${"0".repeat(64)},v0=${"1".repeat(64)},v1=${good}`;
    expect(await verify(stripe, { "Stripe-Signature": header }, BODY, settings(["whsec_current"]))).toEqual({ ok: true });
  });

  it("parses the header and refuses missing parts", async () => {
    expect(parseStripeSignature("t=1,v1=a,v1=b,v0=c")).toEqual({ timestamp: "1", signatures: ["a", "b"] });
    expect(await verify(stripe, { "Stripe-Signature": "v1=abc" }, BODY, settings(["s"]))).toMatchObject({ reason: "missing_timestamp" });
    expect(await verify(stripe, { "Stripe-Signature": "t=abc,v1=abc" }, BODY, settings(["s"]))).toMatchObject({ reason: "malformed_timestamp" });
    expect(await verify(stripe, { "Stripe-Signature": `t=${NOW_S}` }, BODY, settings(["s"]))).toMatchObject({ reason: "malformed_signature" });
  });

  it("checks the signature before the timestamp: a forged stale request is a mismatch", async () => {
    const result = await verify(stripe, signAt("other", BODY, NOW_S - 3600), BODY, settings(["s"]));
    expect(result).toMatchObject({ reason: "signature_mismatch" });
  });
});

describe("slack", () => {
  const signAt = async (secret: string, body: string, t: number) => ({
    "X-Slack-Signature": `v0=${(await mac("sha256", secret, `v0:${t}:${body}`)).hex}`,
    "X-Slack-Request-Timestamp": String(t),
  });
  commonCases(slack, (secret, body) => signAt(secret, body, NOW_S), "X-Slack-Signature");
  timestampCases(slack, signAt);

  it("refuses a signature moved to another timestamp (the timestamp is signed)", async () => {
    const headers = { ...(await signAt("s", BODY, NOW_S)), "X-Slack-Request-Timestamp": String(NOW_S - 1) };
    expect(await verify(slack, headers, BODY, settings(["s"]))).toMatchObject({ reason: "signature_mismatch" });
  });

  it("refuses a missing timestamp header", async () => {
    const headers = await signAt("s", BODY, NOW_S);
    expect(await verify(slack, { "X-Slack-Signature": headers["X-Slack-Signature"] }, BODY, settings(["s"]))).toMatchObject({ reason: "missing_timestamp" });
  });
});

describe("linear", () => {
  const sign = async (secret: string, body: string) => ({ "Linear-Signature": (await mac("sha256", secret, body)).hex });
  commonCases(linear, sign, "Linear-Signature");

  const withTimestamp = (ms: number) => JSON.stringify({ action: "create", type: "Issue", data: { id: "i1" }, webhookTimestamp: ms });
  it("checks webhookTimestamp (ms) in the signed body against the tolerance", async () => {
    const fresh = withTimestamp(NOW - 10_000);
    expect(await verify(linear, sign("s", fresh), fresh, settings(["s"]))).toEqual({ ok: true });
    const stale = withTimestamp(NOW - 301_000);
    const result = await verify(linear, sign("s", stale), stale, settings(["s"]));
    expect(result).toMatchObject({ ok: false, reason: "timestamp_out_of_tolerance" });
  });

  it("accepts a body without webhookTimestamp (nothing to check)", async () => {
    expect(await verify(linear, sign("s", BODY), BODY, settings(["s"]))).toEqual({ ok: true });
  });
});

describe("shopify", () => {
  const sign = async (secret: string, body: string) => ({ "X-Shopify-Hmac-Sha256": (await mac("sha256", secret, body)).base64 });
  commonCases(shopify, sign, "X-Shopify-Hmac-Sha256");

  it("refuses the hex form of the right HMAC (Shopify sends base64)", async () => {
    const hex = (await mac("sha256", "s", BODY)).hex;
    expect(await verify(shopify, { "X-Shopify-Hmac-Sha256": hex }, BODY, settings(["s"]))).toMatchObject({ ok: false, reason: "malformed_signature" });
  });
});

describe("standard webhooks", () => {
  const keyOf = (secret: string) => base64.decode(secret.replace(/^whsec_/, ""));
  const signAt = async (secret: string, body: string, t: number, id = "msg_2Lh9", prefix: "webhook" | "svix" = "webhook") => ({
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(t),
    [`${prefix}-signature`]: `v1,${(await mac("sha256", keyOf(secret), `${id}.${t}.${body}`)).base64}`,
  });
  // Standard Webhooks secrets are whsec_ + base64; the common cases use such secrets.
  const secretA = `whsec_${base64.encode("secret-a-32-bytes-of-key-material")}`;
  const named: Record<string, string> = {};
  const whsec = (name: string) => (named[name] ??= `whsec_${base64.encode(`${name}-key-material`)}`);
  const sign = async (secret: string, body: string) => signAt(whsec(secret), body, NOW_S);
  const provider: SourceProvider = { ...standard, verify: (request, st) => standard.verify(request, { ...st, secrets: st.secrets.map((x) => (x.startsWith("whsec_") ? x : whsec(x))) }) };
  commonCases(provider, sign, "webhook-signature");
  timestampCases(provider, (secret, body, t) => signAt(whsec(secret), body, t));

  it("accepts Svix's svix-* headers", async () => {
    expect(await verify(standard, signAt(secretA, BODY, NOW_S, "msg_x", "svix"), BODY, settings([secretA]))).toEqual({ ok: true });
  });

  it("accepts any of several space-separated signatures and ignores other versions", async () => {
    const good = (await signAt(secretA, BODY, NOW_S))["webhook-signature"]!;
    const headers = { ...(await signAt(secretA, BODY, NOW_S)), "webhook-signature": `v1a,AAAA v1,${base64.encode(new Uint8Array(32))} ${good}` };
    expect(await verify(standard, headers, BODY, settings([secretA]))).toEqual({ ok: true });
    expect(parseStandardSignatures("v1,a v2,b v1,c")).toEqual(["a", "c"]);
  });

  it("signs the id: a signature replayed under another webhook-id is refused", async () => {
    const headers = { ...(await signAt(secretA, BODY, NOW_S, "msg_1")), "webhook-id": "msg_2" };
    expect(await verify(standard, headers, BODY, settings([secretA]))).toMatchObject({ reason: "signature_mismatch" });
  });

  it("reads whsec_ secrets as base64 and tries a bare secret both as base64 and as text", async () => {
    expect(standardKeys(secretA)).toHaveLength(1);
    expect(new TextDecoder().decode(standardKeys(secretA)[0]!)).toBe("secret-a-32-bytes-of-key-material");
    const bare = base64.encode("raw-key");
    const asBase64 = await signAt(`whsec_${bare}`, BODY, NOW_S);
    expect(await verify(standard, asBase64, BODY, settings([bare]))).toEqual({ ok: true });
    const text = "plain text secret!";
    const asText = { "webhook-id": "m", "webhook-timestamp": String(NOW_S), "webhook-signature": `v1,${(await mac("sha256", text, `m.${NOW_S}.${BODY}`)).base64}` };
    expect(await verify(standard, asText, BODY, settings([text]))).toEqual({ ok: true });
  });

  it("refuses missing id or timestamp", async () => {
    const headers = await signAt(secretA, BODY, NOW_S);
    expect(await verify(standard, { ...headers, "webhook-id": "" }, BODY, settings([secretA]))).toMatchObject({ reason: "malformed_signature" });
    const { "webhook-timestamp": _t, ...noTs } = headers;
    expect(await verify(standard, noTs, BODY, settings([secretA]))).toMatchObject({ reason: "missing_timestamp" });
  });
});

describe("generic", () => {
  const options = (o: Partial<GenericOptions> = {}): GenericOptions => ({ header: "X-Signature", algorithm: "sha256", encoding: "hex", prefix: "", eventTypeHeader: null, deliveryIdHeader: null, ...o });
  const sign = async (secret: string, body: string) => ({ "X-Signature": (await mac("sha256", secret, body)).hex });
  commonCases(generic, sign, "X-Signature", { generic: options() });

  it("supports sha512, base64 and a prefix in a custom header", async () => {
    const o = options({ header: "X-Custom-Sig", algorithm: "sha512", encoding: "base64", prefix: "sha512=" });
    const sig = `sha512=${(await mac("sha512", "s", BODY)).base64}`;
    expect(await verify(generic, { "X-Custom-Sig": sig }, BODY, settings(["s"], { generic: o }))).toEqual({ ok: true });
    // Without the prefix, or under sha256, it does not match.
    expect(await verify(generic, { "X-Custom-Sig": (await mac("sha512", "s", BODY)).base64 }, BODY, settings(["s"], { generic: o }))).toMatchObject({ reason: "malformed_signature" });
    const sha256 = `sha512=${(await mac("sha256", "s", BODY)).base64}`;
    expect(await verify(generic, { "X-Custom-Sig": sha256 }, BODY, settings(["s"], { generic: o }))).toMatchObject({ reason: "signature_mismatch" });
  });

  it("accepts one of several comma-separated signatures", async () => {
    const sig = `${"ab".repeat(32)}, ${(await mac("sha256", "s", BODY)).hex}`;
    expect(await verify(generic, { "X-Signature": sig }, BODY, settings(["s"], { generic: options() }))).toEqual({ ok: true });
  });
});

describe("checkTimestamp", () => {
  it("is inclusive at the tolerance and symmetric", () => {
    expect(checkTimestamp(NOW_S - 300, NOW, 300)).toEqual({ ok: true });
    expect(checkTimestamp(NOW_S + 300, NOW, 300)).toEqual({ ok: true });
    expect(checkTimestamp(NOW_S - 301, NOW, 300).ok).toBe(false);
  });

  it("verifies over raw bytes that are not valid UTF-8", async () => {
    const raw = new Uint8Array([0xff, 0xfe, 0x00, 0x41]);
    const sig = `sha256=${(await mac("sha256", "s", raw)).hex}`;
    expect(await verify(github, { "X-Hub-Signature-256": sig }, raw, settings(["s"]))).toEqual({ ok: true });
  });
});
