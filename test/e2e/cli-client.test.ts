// The typed client: cli/client/schema.d.ts matches the gateway's OpenAPI document (regenerate with
// `npm run client`), and `edgehook/client` is importable by other programs and talks to the gateway.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { documentFromUrl, generateSchema, SCHEMA_FILE } from "../../cli/codegen/generate.mjs";
import { buildCli, ROOT } from "./cli-helpers";

describe("typed client", () => {
  const gatewayUrl = inject("gatewayUrl");
  const adminToken = inject("adminToken");
  beforeAll(buildCli);

  it("cli/client/schema.d.ts is generated from the gateway's current OpenAPI document (else: npm run client)", async () => {
    const generated = await generateSchema(await documentFromUrl(gatewayUrl));
    expect(readFileSync(SCHEMA_FILE, "utf8") === generated, "cli/client/schema.d.ts is out of date: run `npm run client`").toBe(true);
    const check = spawnSync("npm", ["run", "--silent", "client", "--", "--from", gatewayUrl, "--check"], { cwd: ROOT, encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain("up to date");
  });

  it("is exported as edgehook/client and calls the API with a token", () => {
    const script = `
      import { createClient } from "edgehook/client";
      const client = createClient({ url: process.env.URL, token: process.env.TOKEN });
      const { data, response } = await client.GET("/webhooks/v2/subscriptions", { params: { query: { limit: 1 } } });
      const denied = await createClient({ url: process.env.URL }).GET("/webhooks/v2/subscriptions");
      console.log(JSON.stringify({ status: response.status, items: Array.isArray(data.data.items), denied: denied.error.code }));`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, URL: gatewayUrl, TOKEN: adminToken } });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ status: 200, items: true, denied: "UNAUTHORIZED" });
  });
});
