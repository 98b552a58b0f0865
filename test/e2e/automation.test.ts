// Automation end to end under `wrangler dev`: rule templates driven by signed GitHub webhooks, wait-resume by
// publish, and a run that survives a `wrangler dev` restart mid-delay. Receivers are real servers on 127.0.0.1.
import { randomUUID } from "node:crypto";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";
import { gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Receiver } from "./receiver.ts";

const GITHUB_SECRET = "e2e-automation-github-secret";
const GITHUB_TOKEN = "ghp_e2eAutomationToken0123456789";
let gateway: Awaited<ReturnType<typeof startWranglerDev>>;
let api: ReturnType<typeof gatewayClient>;
let github: Receiver;
let validator: Receiver;
let hooks: Receiver;
let subscriber: Receiver;
let subscriptionSecret: string;

/** Sends a GitHub webhook signed with the octokit signer; returns the event id. */
async function sendGithub(event: string, payload: unknown): Promise<string> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${gateway.url}/webhooks/v2/sources/github`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": await signGithub(GITHUB_SECRET, body), "X-GitHub-Event": event, "X-GitHub-Delivery": randomUUID() },
    body,
  });
  const json = (await res.json()) as any;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json.data.eventId;
}

async function runReaching(id: string, statuses: string[], timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(`/runs/${id}`);
    if (res.status === 200 && statuses.includes(res.json.data.status)) return res.json.data;
    if (Date.now() > deadline) throw new Error(`run ${id} did not reach ${statuses.join("|")}: ${JSON.stringify(res.json)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pullRequest = (action: string, sha: string, extra: Record<string, unknown> = {}) => ({
  action,
  number: 42,
  pull_request: { title: "Add automation", head: { sha }, html_url: "https://github.com/acme/app/pull/42", merged: false, ...extra },
  repository: { full_name: "acme/app" },
});

beforeAll(async () => {
  [github, validator, hooks, subscriber] = await Promise.all([
    startReceiver(() => [201, { "Content-Type": "application/json" }, JSON.stringify({ state: "success" })]),
    startReceiver(() => [200, { "Content-Type": "application/json" }, JSON.stringify({ valid: true })]),
    startReceiver(),
    startReceiver(),
  ]);
  gateway = await startWranglerDev({ vars: { GITHUB_API_URL: github.url, GITHUB_WEBHOOK_SECRET: GITHUB_SECRET, LOG_REQUESTS: "false" } });
  api = gatewayClient(gateway.url, gateway.adminToken);
  const sub = await api("/subscriptions", { body: { url: `${subscriber.url}/workflows`, events: ["workflow.*"] } });
  expect(sub.status).toBe(201);
  subscriptionSecret = sub.json.data.secret;
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([github, validator, hooks, subscriber].map((r) => r?.close()));
});

describe("rule templates end to end", () => {
  it("pr_validation: signed pull_request → run → validator POST after the delay → GitHub commit status → workflow.completed delivered", async () => {
    const rule = await api("/rules/from-template", { body: { template: "pr_validation", params: { validatorUrl: `${validator.url}/validate`, githubToken: GITHUB_TOKEN, delay: "2s" } } });
    expect(rule.status, JSON.stringify(rule.json)).toBe(201);
    const sha = randomUUID().replaceAll("-", "");
    const sentAt = Date.now();
    const eventId = await sendGithub("pull_request", pullRequest("opened", sha));
    const runId = `${rule.json.data.id}-${eventId}`;

    const [validation] = await validator.waitFor(1, { timeoutMs: 30_000, match: (r) => r.body.includes(sha) });
    expect(validation!.receivedAt - sentAt).toBeGreaterThanOrEqual(2000);
    expect(validation!.method).toBe("POST");
    expect(verifyStandard(rule.json.data.secret, validation!)).toMatchObject({ repository: "acme/app", number: 42, sha, title: "Add automation" });
    expect(validation!.headers["webhook-id"]).toBe(`${runId}.validate`);

    const [status] = await github.waitFor(1, { timeoutMs: 30_000, match: (r) => r.path === `/repos/acme/app/statuses/${sha}` });
    expect(status!.method).toBe("POST");
    expect(status!.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
    expect(JSON.parse(status!.body)).toEqual({ state: "success", context: "edgehook/validation", description: "Validated by edgehook", target_url: "https://github.com/acme/app/pull/42" });

    const [completed] = await subscriber.waitFor(1, { timeoutMs: 30_000, match: (r) => r.body.includes(runId) && r.body.includes("workflow.completed") });
    expect(verifyStandard(subscriptionSecret, completed!)).toMatchObject({ type: "workflow.completed", data: { runId, ruleId: rule.json.data.id, eventId } });
    const run = await runReaching(runId, ["completed"]);
    expect(run.steps.map((s: any) => [s.id, s.status])).toEqual([["settle", "completed"], ["validate", "completed"], ["status", "completed"], ["notify", "completed"]]);
    expect(run.steps[1].output).toMatchObject({ status: 200, body: { valid: true } });
    // A pull request closed without merging matches neither template's trigger.
    const closed = await sendGithub("pull_request", pullRequest("closed", sha));
    await new Promise((r) => setTimeout(r, 500));
    expect((await api(`/runs/${rule.json.data.id}-${closed}`)).status).toBe(404);
    await api(`/rules/${rule.json.data.id}`, { method: "DELETE" });
  });

  it("pr_merged: a merged pull request → POST to the url → notify; workflow.completed delivered", async () => {
    const rule = await api("/rules/from-template", { body: { template: "pr_merged", params: { url: `${hooks.url}/merged` } } });
    expect(rule.status, JSON.stringify(rule.json)).toBe(201);
    const sha = randomUUID().replaceAll("-", "");
    const eventId = await sendGithub("pull_request", pullRequest("closed", sha, { merged: true }));
    const runId = `${rule.json.data.id}-${eventId}`;
    const [post] = await hooks.waitFor(1, { timeoutMs: 30_000, match: (r) => r.path === "/merged" && r.body.includes(sha) });
    expect(verifyStandard(rule.json.data.secret, post!)).toMatchObject({ repository: "acme/app", number: 42, sha });
    await subscriber.waitFor(1, { timeoutMs: 30_000, match: (r) => r.body.includes(runId) && r.body.includes("workflow.completed") });
    const run = await runReaching(runId, ["completed"]);
    expect(run.steps[1]).toMatchObject({ id: "notify", status: "completed", output: { channels: { default: { status: "failed" } } } });
    await api(`/rules/${rule.json.data.id}`, { method: "DELETE" });
  });
});

describe("wait_for_event under wrangler dev", () => {
  it("a waiting run resumes when a matching event is published through POST /events", async () => {
    const rule = await api("/rules", {
      body: {
        name: "await approval",
        trigger: { events: ["e2e.order.created"] },
        steps: [
          { id: "approval", kind: "wait_for_event", event: "e2e.order.approved", match: { all: [{ field: "data.orderId", operator: "equals", value: "{{data.orderId}}" }] }, timeout: "10 minutes" },
          { id: "ship", kind: "http", url: `${hooks.url}/ship`, body: { orderId: "{{data.orderId}}", approvedBy: "{{steps.approval.output.payload.data.by}}" } },
        ],
      },
    });
    expect(rule.status, JSON.stringify(rule.json)).toBe(201);
    const created = await api("/events", { body: { type: "e2e.order.created", data: { orderId: "o-77" } } });
    const runId = `${rule.json.data.id}-${created.json.data.id}`;
    await runReaching(runId, ["waiting"]);
    await api("/events", { body: { type: "e2e.order.approved", data: { orderId: "o-78", by: "mallory" } } });
    await api("/events", { body: { type: "e2e.order.approved", data: { orderId: "o-77", by: "alice" } } });
    const [ship] = await hooks.waitFor(1, { timeoutMs: 30_000, match: (r) => r.path === "/ship" });
    expect(JSON.parse(ship!.body)).toEqual({ orderId: "o-77", approvedBy: "alice" });
    expect((await runReaching(runId, ["completed"])).steps[0].output.payload.data).toEqual({ orderId: "o-77", by: "alice" });
    await api(`/rules/${rule.json.data.id}`, { method: "DELETE" });
  });
});

describe("durability", () => {
  it("a run mid-delay survives a wrangler dev restart and completes after it", async () => {
    const rule = await api("/rules", { body: { name: "slow", trigger: { events: ["e2e.slow"] }, steps: [{ id: "nap", kind: "delay", duration: "6s" }, { id: "after", kind: "http", url: `${hooks.url}/after-restart`, body: { id: "{{event.id}}" } }] } });
    expect(rule.status).toBe(201);
    const event = await api("/events", { body: { type: "e2e.slow", data: {} } });
    const runId = `${rule.json.data.id}-${event.json.data.id}`;
    await runReaching(runId, ["waiting"]);
    await gateway.kill();
    expect(hooks.requests.filter((r) => r.path === "/after-restart")).toHaveLength(0);
    gateway = await startWranglerDev({ persistTo: gateway.persistTo, vars: { GITHUB_API_URL: github.url, GITHUB_WEBHOOK_SECRET: GITHUB_SECRET, LOG_REQUESTS: "false" } });
    api = gatewayClient(gateway.url, gateway.adminToken);
    const [after] = await hooks.waitFor(1, { timeoutMs: 45_000, match: (r) => r.path === "/after-restart" });
    expect(JSON.parse(after!.body)).toEqual({ id: event.json.data.id });
    expect((await runReaching(runId, ["completed"])).steps.map((s: any) => s.status)).toEqual(["completed", "completed"]);
  }, 150_000); // two wrangler dev starts
});
