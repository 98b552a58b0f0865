// The edgehook CLI in-process (cli/main.ts `run`) against the shared `wrangler dev`: every seed
// command in both formats, the other commands, exit codes, and a walk of the OpenAPI document that
// fails when an operation has no CLI command (NOT_IN_CLI lists the deliberate exceptions).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Middleware } from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { run } from "../../cli/main";
import { inProcessRunner, isolatedHome, type CliRunner } from "./cli-helpers";
import { json, table, walkSeedCommands } from "./cli-seed";
import { eventually } from "./delivery-helpers";
import { startReceiver, type Receiver } from "./receiver";

/**
 * Operations the CLI deliberately has no command for, each with its reason. When a route is
 * added, either give it a command (in cli/commands/) or add it here with a reason.
 */
const NOT_IN_CLI: Record<string, string> = {
  "POST /webhooks/v2/subscribe": "alias of POST /subscriptions (webhooks:create)",
  "PUT /webhooks/v2/subscriptions/{id}": "whole replacement; webhooks:update changes fields with PATCH",
  "POST /webhooks/v2/task": "inbound action for automation platforms, not an operator task",
  "GET /webhooks/v2/task/{id}/status": "inbound action for automation platforms",
  "PATCH /webhooks/v2/task/{id}": "reported by the worker doing the task",
  "POST /webhooks/v2/notify": "inbound action for automation platforms",
  "POST /webhooks/v2/research": "inbound action for automation platforms",
  "GET /webhooks/v2/research/{id}/status": "inbound action for automation platforms",
  "POST /webhooks/v2/research/{id}/complete": "reported by the worker doing the research",
  "POST /webhooks/v2/sources/{provider}": "called by the provider itself, signed with its secret",
  "POST /webhooks/v2/sources/{provider}/{id}": "called by the sender itself, signed with the source's secret",
  "POST /webhooks/v2/channels": "notify channels are not in the contract's CLI (subscriptions cover delivery)",
  "GET /webhooks/v2/channels": "notify channels are not in the contract's CLI",
  "GET /webhooks/v2/channels/{name}": "notify channels are not in the contract's CLI",
  "PATCH /webhooks/v2/channels/{name}": "notify channels are not in the contract's CLI",
  "DELETE /webhooks/v2/channels/{name}": "notify channels are not in the contract's CLI",
  "POST /webhooks/v2/inspect/{id}": "called by whatever is being inspected, without a token (the id is the credential)",
  "GET /webhooks/v2/notify/{id}": "inbound action's status, for automation platforms (like a task's status)",
  "GET /webhooks/v2/rule-templates": "not in the contract's CLI list (rules:list|create|test|delete); templates are read through the API",
  "POST /webhooks/v2/rules/from-template": "not in the contract's CLI list; rules:create --file takes the rendered rule",
  "GET /webhooks/v2/rules/{id}": "not in the contract's CLI list; rules:list shows every rule",
  "PATCH /webhooks/v2/rules/{id}": "not in the contract's CLI list; rules are edited through the API",
  "PUT /webhooks/v2/rules/{id}": "not in the contract's CLI list; rules are edited through the API",
  "POST /webhooks/v2/runs/{id}/events": "not in the contract's CLI list; a waiting run also resumes when a matching event is published (webhooks:trigger)",
};

const HTTP_METHODS = ["get", "put", "post", "patch", "delete"];

describe("edgehook CLI in-process", () => {
  const gatewayUrl = inject("gatewayUrl");
  const adminToken = inject("adminToken");
  const called = new Set<string>();
  const recorder: Middleware = {
    onRequest({ request, schemaPath }) {
      called.add(`${request.method} ${schemaPath}`);
    },
  };
  const home = isolatedHome();
  const env = { EDGEHOOK_URL: gatewayUrl, EDGEHOOK_TOKEN: adminToken, XDG_CONFIG_HOME: home, HOME: home };
  const cli: CliRunner = inProcessRunner(env, [adminToken], [recorder]);
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it("runs every seed-004 webhooks command in both formats", async () => {
    await walkSeedCommands(cli, receiver, "inproc");
  });

  it("manages tokens: create (key shown once), list, info, update, revoke", async () => {
    const created = await json(cli, ["tokens:create", "--name", "cli token", "--scopes", "events,subscriptions", "--rate-limit", "500"]);
    expect(created).toMatchObject({ name: "cli token", endpoints: ["events", "subscriptions"], rateLimit: 500, active: true });
    expect(created.key).toMatch(/^ehk_/);
    // Earlier tests leave many tokens: page through with the cursor the CLI prints on stderr.
    const seen: string[] = [];
    let cursor: string[] = [];
    for (let page = 0; page < 50 && !seen.includes(created.id); page++) {
      const result = await cli(["tokens:list", "--limit", "100", "--format", "json", ...cursor]);
      expect(result.code, result.stderr).toBe(0);
      seen.push(...JSON.parse(result.stdout).map((t: any) => t.id));
      const more = /^more: (--cursor) (\S+)$/m.exec(result.stderr);
      if (!more) break;
      cursor = [more[1]!, more[2]!];
    }
    expect(seen).toContain(created.id);
    expect(await table(cli, ["tokens:list"])).toMatch(/^ID\s+ACTIVE\s+TYPE\s+NAME\s+SCOPES\s+LAST USED$/m);
    expect(await json(cli, ["tokens:info", created.id])).not.toHaveProperty("key");
    expect(await json(cli, ["tokens:update", created.id, "--active", "no", "--name", "renamed"])).toMatchObject({ active: false, name: "renamed" });
    expect(await json(cli, ["tokens:revoke", created.id])).toEqual({ id: created.id, deleted: true });
  });

  it("manages tenants: create, list, info, update, portal link (shown once), revoke, delete", async () => {
    const id = `cli-${Date.now().toString(36)}`;
    const created = await json(cli, ["tenants:create", "--name", "CLI tenant", "--id", id, "--rate-limit", "900"]);
    expect(created).toMatchObject({ id, name: "CLI tenant", rateLimit: 900 });
    const generated = await json(cli, ["tenants:create", "--name", "generated id"]);
    expect(generated.id).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
    const dup = await cli(["tenants:create", "--name", "again", "--id", id]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("CONFLICT");
    expect((await cli(["tenants:create", "--name", "bad", "--id", "Bad Id"])).code).toBe(2);
    expect((await cli(["tenants:portal", id, "--expires-in", "59"])).code).toBe(2);

    const listed = await json(cli, ["tenants:list", "--limit", "100"]);
    expect(listed.map((t: any) => t.id)).toEqual(expect.arrayContaining(["default", id]));
    expect(await table(cli, ["tenants:list"])).toMatch(/^ID\s+RATE LIMIT\s+CREATED\s+NAME$/m);
    expect(await json(cli, ["tenants:info", id])).toMatchObject({ id, rateLimit: 900 });
    expect(await json(cli, ["tenants:update", id, "--rate-limit", "none", "--name", "renamed"])).toMatchObject({ name: "renamed", rateLimit: null });

    const portal = await json(cli, ["tenants:portal", id, "--expires-in", "600", "--read-only"]);
    expect(portal).toMatchObject({ tenantId: id, readOnly: true, url: `/webhooks/v2/dashboard?token=${portal.token}` });
    expect(portal.token).toMatch(/^ehp_/);
    expect(Date.parse(portal.expiresAt) - Date.now()).toBeLessThanOrEqual(600_000);
    const shown = await table(cli, ["tenants:portal", id]);
    expect(shown.split("\n")).toContainEqual(expect.stringMatching(/^https?:\/\/\S+\/webhooks\/v2\/dashboard\?token=ehp_[A-Za-z0-9_-]+$/));
    expect(shown).toContain(`${new URL(gatewayUrl).origin}/webhooks/v2/dashboard?token=ehp_`);
    const asPortal = await fetch(`${gatewayUrl}/webhooks/v2/subscriptions`, { headers: { Authorization: `Bearer ${portal.token}` } });
    expect(asPortal.status).toBe(200);
    expect(await json(cli, ["tenants:revoke-portal", id])).toMatchObject({ tenantId: id, revoked: 2 });

    const held = await cli(["tenants:delete", id]);
    expect(held.code).toBe(1);
    expect(held.stderr).toContain("CONFLICT");
    expect(await json(cli, ["tenants:delete", id, "--force"])).toMatchObject({ id, deleted: true, removed: { tokens: 2 } });
    expect(await json(cli, ["tenants:delete", generated.id])).toMatchObject({ id: generated.id, deleted: true });
  });

  it("reads operations: health, status, metrics, audit, queue, event types", async () => {
    expect((await json(cli, ["health"])).status).toMatch(/^(healthy|degraded)$/);
    expect(await table(cli, ["health"])).toMatch(/^status\s+(healthy|degraded)$/m);
    expect(await json(cli, ["status"])).toHaveProperty("uptime");
    expect(await json(cli, ["metrics"])).toBeTypeOf("object");
    const audit = await json(cli, ["audit:list", "--action", "token.*", "--limit", "10"]);
    expect(audit.map((a: any) => a.action)).toContain("token.create");
    expect(await json(cli, ["queue:stats"])).toHaveProperty("deadLetter");
    expect(await table(cli, ["queue:stats"])).toMatch(/^deadLetter\s+\{"count":\d+\}$/m);
    const types = await json(cli, ["events:types"]);
    expect(types.map((t: any) => t.type)).toContain("webhook.test");
    expect(await table(cli, ["events:types"])).toMatch(/^webhook\.test\s+/m);
  });

  it("redelivers a subscription's failed deliveries with queue:retry-failed", async () => {
    const refusing = await startReceiver(() => [400]);
    try {
      const sub = await json(cli, ["webhooks:create", "--name", "refused", "--url", refusing.url, "--events", "cli.refused.*"]);
      await json(cli, ["webhooks:trigger", "--event", "cli.refused.one"]);
      // Failed and through the dead-letter queue (the dead-letter consumer marks it failed again if it comes later).
      await eventually(async () => ((await json(cli, ["webhooks:deliveries", sub.id, "--status", "failed"]))[0]?.deadLetteredAt ? true : undefined));
      expect(await json(cli, ["queue:retry-failed", "--webhook", sub.id, "--limit", "10"])).toEqual({ retried: 1 });
      await refusing.waitFor(2);
      expect(await table(cli, ["queue:retry-failed", "--webhook", "sub-none"])).toBe("retried  0\n");
      await json(cli, ["webhooks:delete", sub.id, "--force"]);
    } finally {
      await refusing.close();
    }
  });

  it("manages tenant sources: create, list, info, update, delete", async () => {
    const created = await json(cli, ["sources:create", "--provider", "generic", "--name", "codegen", "--secret", "cli-source-secret", "--events", "codegen.push,codegen.pr.*", "--header", "X-Codegen-Signature", "--prefix", "sha256="]);
    expect(created).toMatchObject({ provider: "generic", name: "codegen", eventPrefix: "codegen", events: ["codegen.push", "codegen.pr.*"], secretCount: 1, settings: { header: "X-Codegen-Signature", prefix: "sha256=" } });
    expect(created.id).toMatch(/^src_/);
    expect(created.url).toBe(`/webhooks/v2/sources/generic/${created.id}`);
    expect(JSON.stringify(created)).not.toContain("cli-source-secret");
    const listed = await json(cli, ["sources:list", "--limit", "100"]);
    expect(listed.map((s: any) => s.id)).toContain(created.id);
    expect(await table(cli, ["sources:list", "--limit", "100"])).toContain(created.id);
    expect(await json(cli, ["sources:info", "generic", created.id])).toMatchObject({ id: created.id, name: "codegen" });
    expect(await json(cli, ["sources:update", "generic", created.id, "--events", "*", "--enabled", "no"])).toMatchObject({ events: null, enabled: false });
    expect(await json(cli, ["sources:delete", "generic", created.id])).toMatchObject({ id: created.id, deleted: true });
    const missing = await cli(["sources:info", "generic", created.id, "--format", "json"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NOT_FOUND");
    const usage = await cli(["sources:create", "--provider", "github"]);
    expect(usage.code).toBe(2);
  });

  it("configures per-provider sources: providers, configure, info, delete", async () => {
    expect((await json(cli, ["sources:providers"])).map((s: any) => s.provider)).toContain("linear");
    const configured = await json(cli, ["sources:configure", "linear", "--secret", "linear-cli-secret-0123456789", "--tolerance", "120"]);
    expect(configured).toMatchObject({ provider: "linear", configured: true, origin: "api", secretCount: 1, toleranceSeconds: 120 });
    expect(await json(cli, ["sources:info", "linear"])).toMatchObject({ provider: "linear", origin: "api" });
    expect(await json(cli, ["sources:delete", "linear"])).toMatchObject({ provider: "linear", deleted: true });
  });

  it("records requests in a bin: inspectors:create, list, requests (one in full), delete; lists integrations", async () => {
    const bin = await json(cli, ["inspectors:create", "--name", "cli bin"]);
    expect(bin).toMatchObject({ name: "cli bin" });
    expect(bin.id).toMatch(/^insp_/);
    const sent = await fetch(`${bin.url}/hooks/a?x=1`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"hello":"bin"}' });
    expect(sent.status).toBe(200);
    expect((await json(cli, ["inspectors:list"])).map((i: any) => i.id)).toContain(bin.id);
    const requests = await json(cli, ["inspectors:requests", bin.id, "--limit", "5"]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: "POST", path: "/hooks/a", query: "x=1" });
    const full = await json(cli, ["inspectors:requests", bin.id, "--request", requests[0].id]);
    expect(full).toMatchObject({ id: requests[0].id, body: '{"hello":"bin"}' });
    expect(await table(cli, ["inspectors:requests", bin.id])).toContain("/hooks/a?x=1");
    await json(cli, ["inspectors:delete", bin.id]);
    expect((await json(cli, ["inspectors:list"])).map((i: any) => i.id)).not.toContain(bin.id);
    const chat = await json(cli, ["integrations:list", "--category", "chat"]);
    expect(chat.map((i: any) => i.id)).toEqual(expect.arrayContaining(["slack", "discord"]));
    expect(chat.every((i: any) => i.category === "chat")).toBe(true);
    const destinations = await json(cli, ["destinations:list"]);
    expect(destinations.types.map((t: any) => t.type)).toEqual(expect.arrayContaining(["http", "queue"]));
    expect(destinations.queues).toContain("edgehook-destination-test");
    expect(await table(cli, ["destinations:list"])).toMatch(/^queues\s+edgehook-destination-test/m);
  });

  it("manages rules and runs, and lists the event log: rules:create --file|list|test|delete, runs:list|info|pause|resume|terminate|restart, events:list|info", async () => {
    const file = join(home, "rule.json");
    writeFileSync(file, JSON.stringify({ name: "cli rule", trigger: { events: ["cli.rule.go"] }, steps: [{ id: "echo", kind: "publish", type: "cli.rule.done", data: { from: "{{event.id}}" } }] }));
    const rule = await json(cli, ["rules:create", "--file", file]);
    expect(rule).toMatchObject({ name: "cli rule", trigger: { events: ["cli.rule.go"] } });
    expect((await json(cli, ["rules:list", "--limit", "100"])).map((r: any) => r.id)).toContain(rule.id);
    const dry = await json(cli, ["rules:test", rule.id, "--event", '{"type":"cli.rule.go","data":{}}']);
    expect(dry.matched).toBe(true);
    const go = await json(cli, ["webhooks:trigger", "--event", "cli.rule.go", "--data", "{}"]);
    const runId = `${rule.id}-${go.id}`;
    const done = await eventually(async () => {
      const runs = await json(cli, ["runs:list", "--rule", rule.id]);
      return runs.find((r: any) => r.id === runId && r.status === "completed");
    }, 30_000);
    expect(done).toBeTruthy();
    expect(await json(cli, ["runs:info", runId])).toMatchObject({ id: runId, status: "completed", steps: [{ id: "echo", status: "completed" }] });
    // A finished run takes no control: each answers the API's error (exit 1), never a crash.
    for (const control of ["pause", "resume", "terminate"]) expect((await cli([`runs:${control}`, runId])).code).toBe(1);
    const restarted = await cli(["runs:restart", runId]);
    expect([0, 1]).toContain(restarted.code);
    const log = await json(cli, ["events:list", "--type", "cli.rule", "--limit", "10"]);
    expect(log.map((e: any) => e.type)).toEqual(expect.arrayContaining(["cli.rule.go", "cli.rule.done"]));
    expect(await json(cli, ["events:info", go.id])).toMatchObject({ id: go.id, type: "cli.rule.go" });
    await json(cli, ["rules:delete", rule.id]);
    expect((await json(cli, ["rules:list", "--limit", "100"])).map((r: any) => r.id)).not.toContain(rule.id);
  });

  it("shows one delivery with its attempts and rotates a secret", async () => {
    const sub = await json(cli, ["webhooks:create", "--name", "one delivery", "--url", receiver.url, "--events", "webhook.test"]);
    const tested = await json(cli, ["webhooks:test", sub.id]);
    const one = await json(cli, ["webhooks:delivery", sub.id, tested.deliveryId]);
    expect(one).toMatchObject({ id: tested.deliveryId, status: "success" });
    expect(one.attemptLog[0]).toMatchObject({ attempt: 1, statusCode: 200 });
    expect(await table(cli, ["webhooks:delivery", sub.id, tested.deliveryId])).toMatch(/^attemptLog\s+#1 200 /m);
    // Endpoint checks: a plain "ok" answer does not verify; the probe and public key answer.
    expect(await json(cli, ["webhooks:verify", sub.id])).toMatchObject({ verified: false, statusCode: 200 });
    expect(await json(cli, ["webhooks:health", sub.id])).toMatchObject({ status: "healthy", responseCode: 200 });
    expect((await cli(["webhooks:public-key", sub.id])).code).toBe(1);
    // An Ed25519 subscription: the public key checks a real delivery's v1a signature (verify --public-key).
    const signed = await fetch(`${gatewayUrl}/webhooks/v2/subscriptions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ url: `${receiver.url}/ed25519`, events: ["cli.ed.*"], signing: { scheme: "ed25519" } }),
    }).then(async (r) => ((await r.json()) as any).data);
    const publicKey = (await json(cli, ["webhooks:public-key", signed.id])).publicKey;
    expect(publicKey).toBe(signed.signing.publicKey);
    await json(cli, ["webhooks:trigger", "--event", "cli.ed.go", "--data", "{}"]);
    const [edDelivery] = await receiver.waitFor(1, { match: (r) => r.path === "/ed25519" });
    const h = edDelivery!.headers as Record<string, string>;
    const claim = ["--id", h["webhook-id"]!, "--timestamp", h["webhook-timestamp"]!, "--signature", h["webhook-signature"]!];
    expect((await cli(["verify", "--public-key", publicKey, ...claim], { stdin: edDelivery!.body })).code).toBe(0);
    expect((await cli(["verify", "--public-key", publicKey, ...claim], { stdin: edDelivery!.body + " " })).code).toBe(1);
    expect((await cli(["verify", "--secret", signed.secret, ...claim], { stdin: edDelivery!.body })).code).toBe(1);
    expect((await cli(["verify", ...claim], { stdin: edDelivery!.body })).code).toBe(2);
    await json(cli, ["webhooks:delete", signed.id, "--force"]);
    const rotated = await json(cli, ["webhooks:rotate-secret", sub.id, "--grace", "60"]);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(sub.secret);
    await json(cli, ["webhooks:delete", sub.id, "--force"]);
  });

  it("follows the live stream with events:tail until stopped", async () => {
    const abort = new AbortController();
    let stdout = "";
    let stderr = "";
    const tail = run(["events:tail", "--filter", "cli.tail", "--format", "json"], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([]),
      env,
      signal: abort.signal,
      middleware: [recorder],
    });
    const deadline = Date.now() + 15_000;
    while (!stderr.includes("Following the event stream") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const published = await json(cli, ["webhooks:trigger", "--event", "cli.tail.one", "--data", '{"k":"v"}']);
    while (!stdout.includes(published.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    expect(await tail).toBe(0);
    const line = JSON.parse(stdout.trim().split("\n").find((l) => l.includes(published.id))!);
    expect(line).toMatchObject({ id: published.id, type: "cli.tail.one", data: { k: "v" } });
  });

  it("exits 1 with the API's message and code on stderr when the API answers an error", async () => {
    const missing = await cli(["webhooks:stats", "sub-doesnotexist0000"]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toMatch(/^error: Subscription not found \(NOT_FOUND, HTTP 404, request req-/);
    const invalid = await cli(["webhooks:create", "--name", "x", "--url", "https://example.com/h", "--events", "not a pattern!", "--format", "json"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("SCHEMA_VALIDATION_ERROR, HTTP 400");
    const unauthorized = await cli(["webhooks:list"], { env: { EDGEHOOK_TOKEN: "ehk_wrongwrongwrongwrongwrongwrongwrong" } });
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain("UNAUTHORIZED, HTTP 401");
  });

  it("exits 2 on a usage error", async () => {
    const cases: string[][] = [
      ["webhooks:nope"],
      ["webhooks:list", "--limit", "many"],
      ["webhooks:list", "--status", "sleeping"],
      ["webhooks:create", "--name", "x", "--events", "a"],
      ["webhooks:create", "--name", "x", "--url", "https://e.com", "--events", "a", "--headers", "{oops"],
      ["webhooks:info"],
      ["webhooks:update", "sub-x"],
      ["webhooks:delete", "sub-x"],
      ["webhooks:list", "--format", "yaml"],
      ["verify", "--secret", "s"],
      [],
    ];
    for (const argv of cases) {
      const result = await cli(argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.stderr || result.stdout, argv.join(" ")).not.toBe("");
    }
    const noUrl = await cli(["webhooks:list"], { env: { EDGEHOOK_URL: undefined } });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("edgehook login");
    expect((await cli(["--help"])).code).toBe(0);
  });

  it("has a command for every operation in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${gatewayUrl}/webhooks/v2/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`));
    const uncovered = operations.filter((op) => !called.has(op) && !(op in NOT_IN_CLI));
    expect(uncovered, "operations without a CLI command (add one, or an entry with a reason in NOT_IN_CLI)").toEqual([]);
    expect(Object.keys(NOT_IN_CLI).filter((op) => !operations.includes(op)), "stale NOT_IN_CLI entries").toEqual([]);
    expect(Object.keys(NOT_IN_CLI).filter((op) => called.has(op)), "NOT_IN_CLI entries the CLI does call").toEqual([]);
  });
});
