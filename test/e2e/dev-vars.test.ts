// The documented local setup: a provider secret written to .dev.vars reaches the Worker under
// `wrangler dev` (verified signature, signed delivery), and `npm run dev`'s .dev.vars check is right.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDevVars, parseDotenv, readWranglerToml } from "../../scripts/dev-vars.mjs";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";
import { gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Receiver } from "./receiver.ts";
import { bodies, deliver, signers } from "./source-signers.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TOML = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
const SECRET = "dev-vars-github-secret";
const ADMIN = "dev-vars-admin-token-0123456789";

describe(".dev.vars check of npm run dev", () => {
  const known = Object.keys(parseDotenv(readFileSync(join(ROOT, ".dev.vars.example"), "utf8")));
  const devVars = parseDotenv(`# local\nADMIN_TOKEN=x\nGITHUB_WEBHOOK_SECRET="a,b"\nGITHUB_SECRET=typo\nCORS_ORIGINS=*\n`);

  it("lets every documented key through with this wrangler.toml and names the unknown ones", () => {
    expect(devVars.GITHUB_WEBHOOK_SECRET).toBe("a,b");
    expect(checkDevVars({ devVars, ...readWranglerToml(TOML), known })).toEqual({ dropped: [], unknown: ["GITHUB_SECRET"] });
  });

  it("names the keys a [secrets] table would drop", () => {
    const withSecrets = `${TOML}\n[secrets]\nrequired = ["ADMIN_TOKEN", "ENCRYPTION_KEY"]\n`;
    expect(checkDevVars({ devVars, ...readWranglerToml(withSecrets), known }).dropped).toEqual(["GITHUB_WEBHOOK_SECRET", "GITHUB_SECRET"]);
  });
});

describe("a provider secret in .dev.vars", () => {
  let dir: string;
  let gateway: Awaited<ReturnType<typeof startWranglerDev>>;
  let receiver: Receiver;

  beforeAll(async () => {
    // wrangler reads .dev.vars beside the config file: a copy of wrangler.toml in a fresh directory.
    dir = mkdtempSync(join(tmpdir(), "edgehook-devvars-"));
    // Paths in the copy (the entry point, the D1 migrations) still point into the repository.
    const copy = TOML.replace(/^main = "(.+)"$/m, (_, main) => `main = ${JSON.stringify(join(ROOT, main))}`)
      .replace(/^migrations_dir = "(.+)"$/m, (_, dir) => `migrations_dir = ${JSON.stringify(join(ROOT, dir))}`);
    writeFileSync(join(dir, "wrangler.toml"), copy);
    writeFileSync(join(dir, ".dev.vars"), `ADMIN_TOKEN=${ADMIN}\nENCRYPTION_KEY=ZTJlLWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLTAxMjM=\nALLOW_PRIVATE_DESTINATIONS=true\nGITHUB_WEBHOOK_SECRET=${SECRET}\n`);
    gateway = await startWranglerDev({ config: join(dir, "wrangler.toml"), adminToken: ADMIN });
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("verifies GitHub's signature and the event is delivered signed", async () => {
    const api = gatewayClient(gateway.url, ADMIN);
    const sub = await api("/subscriptions", { body: { url: `${receiver.url}/gh`, events: ["github.*"] } });
    expect(sub.status).toBe(201);
    const signed = await signers.github!(bodies.github!("x"), SECRET, `dv-${Date.now()}`);
    const res = await deliver(gateway.url, "github", signed);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const [request] = await receiver.waitFor(1);
    expect(verifyStandard(sub.json.data.secret, request!)).toMatchObject({ id: res.json.data.eventId, type: "github.pull_request" });
  });
});
