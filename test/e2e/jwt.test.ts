// OAuth2 JWT bearer auth against a real JWKS server on 127.0.0.1 and a dedicated `wrangler dev`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Jwt } from "hono/utils/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";

type Gateway = Awaited<ReturnType<typeof startWranglerDev>>;

const ISSUER = "https://issuer.test/";
const AUDIENCE = "edgehook-api";
let gateway: Gateway;
let jwksServer: Server;
const keys: { kid: string; privateKey: CryptoKey; publicJwk: JsonWebKey }[] = [];
let published: JsonWebKey[] = [];

async function newKey(kid: string) {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const publicJwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), kid, alg: "RS256", use: "sig" };
  const key = { kid, privateKey: pair.privateKey, publicJwk };
  keys.push(key);
  return key;
}

async function token(claims: Record<string, unknown>, kid = keys[0]!.kid) {
  const key = keys.find((k) => k.kid === kid)!;
  const privateJwk = { ...(await crypto.subtle.exportKey("jwk", key.privateKey)), kid, alg: "RS256" };
  const now = Math.floor(Date.now() / 1000);
  return Jwt.sign({ iss: ISSUER, aud: AUDIENCE, sub: "client-42", iat: now, exp: now + 300, ...claims }, privateJwk as never, "RS256");
}

const post = (bearer: string) =>
  fetch(`${gateway.url}/webhooks/v2/task`, {
    method: "POST",
    headers: { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "add_task", task: "task submitted with a JWT" }),
  });

beforeAll(async () => {
  published = [(await newKey("k1")).publicJwk];
  jwksServer = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  const { port } = jwksServer.address() as AddressInfo;
  gateway = await startWranglerDev({
    vars: { JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks`, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_SCOPE_CLAIM: "scope", RATE_LIMITS_ENABLED: "false" },
  });
});

afterAll(async () => {
  await gateway?.stop();
  jwksServer?.close();
});

describe("JWT bearer", () => {
  it("admits a valid token with the scope in its claim", async () => {
    const res = await post(await token({ scope: "task events" }));
    expect(res.status).toBe(201);
  });

  it("refuses a token without the scope (403)", async () => {
    const res = await post(await token({ scope: "events" }));
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("FORBIDDEN");
  });

  it("refuses a wrong audience, a wrong issuer, an expired token and a tampered one (401)", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const bad of [
      await token({ scope: "task", aud: "someone-else" }),
      await token({ scope: "task", iss: "https://evil.test/" }),
      await token({ scope: "task", iat: now - 600, exp: now - 60 }),
    ]) {
      const res = await post(bad);
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe("UNAUTHORIZED");
    }
    const good = await token({ scope: "task" });
    const [h, p, s] = good.split(".");
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), scope: "admin" })).toString("base64url")}.${s}`;
    expect((await post(tampered)).status).toBe(401);
  });

  it("refuses a token without sub or without exp (401)", async () => {
    for (const bad of [await token({ scope: "task", sub: undefined }), await token({ scope: "task", exp: undefined })]) {
      const res = await post(bad);
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe("UNAUTHORIZED");
    }
  });

  it("keeps one idempotency space per subject: two subjects' same key are two requests", async () => {
    const send = async (sub: string, task: string) =>
      fetch(`${gateway.url}/webhooks/v2/task`, {
        method: "POST",
        headers: { Authorization: `Bearer ${await token({ scope: "task", sub })}`, "Content-Type": "application/json", "Idempotency-Key": "jwt-shared-key" },
        body: JSON.stringify({ action: "add_task", task }),
      });
    const a = await send("client-a", "task of subject a, first");
    const b = await send("client-b", "task of subject b, different body");
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("picks up a rotated signing key from the JWKS", async () => {
    published = [...published, (await newKey("k2")).publicJwk];
    const res = await post(await token({ scope: "task" }, "k2"));
    expect(res.status).toBe(201);
  });
});
