// The seed-004 walk: every `webhooks:*` command in both formats against a real gateway and a real
// receiver, shared by the in-process and the child-process CLI tests.
import { expect } from "vitest";
import type { CliResult, CliRunner } from "./cli-helpers";
import { eventually } from "./delivery-helpers";
import type { Receiver } from "./receiver";

/** Runs one command in json format; asserts exit 0 and returns the parsed stdout. */
export async function json(cli: CliRunner, argv: string[]): Promise<any> {
  const result = await cli([...argv, "--format", "json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

/** Runs one command in table format; asserts exit 0 and returns stdout. */
export async function table(cli: CliRunner, argv: string[]): Promise<string> {
  const result: CliResult = await cli([...argv, "--format", "table"]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** Every seed command, both formats; `tag` keeps event types apart between callers. */
export async function walkSeedCommands(cli: CliRunner, receiver: Receiver, tag: string): Promise<void> {
  const events = `cli.${tag}.*,webhook.test`;
  const longUrl = `${receiver.url}/hooks/${"x".repeat(120)}`;

  // webhooks:create — json prints the subscription with its secret; the table shows it too.
  const created = await json(cli, ["webhooks:create", "--name", `cli ${tag}`, "--url", `${receiver.url}/${tag}`, "--events", events, "--method", "POST", "--headers", '{"X-Env":"test"}', "--auth-type", "bearer", "--auth-credentials", '{"token":"outbound-secret"}']);
  expect(created).toMatchObject({ name: `cli ${tag}`, url: `${receiver.url}/${tag}`, events: [`cli.${tag}.*`, "webhook.test"], method: "POST", headers: { "X-Env": "********" }, auth: { type: "bearer" } });
  expect(created.secret).toMatch(/^whsec_/);
  const id: string = created.id;
  const second = await table(cli, ["webhooks:create", "--name", `cli ${tag} long`, "--url", longUrl, "--events", `cli.${tag}.other`]);
  expect(second).toMatch(/^secret\s+whsec_/m);
  const secondId = /^id\s+(\S+)/m.exec(second)![1]!;

  // webhooks:list — json is the array itself; the table has ids, status and a truncated url.
  const listed = await json(cli, ["webhooks:list", "--status", "active", "--event", `cli.${tag}.created`, "--limit", "100"]);
  expect(Array.isArray(listed)).toBe(true);
  expect(listed.map((s: any) => s.id)).toContain(id);
  expect(listed.map((s: any) => s.id)).not.toContain(secondId);
  const listTable = await table(cli, ["webhooks:list", "--event", `cli.${tag}.other`, "--limit", "100"]);
  expect(listTable.split("\n")[0]).toMatch(/^ID\s+STATUS\s+NAME\s+EVENTS\s+URL$/);
  expect(listTable).toMatch(new RegExp(`^${secondId}\\s+active\\s.*…$`, "m"));

  // webhooks:info
  expect((await json(cli, ["webhooks:info", id])).id).toBe(id);
  expect(await table(cli, ["webhooks:info", id])).toMatch(new RegExp(`^id\\s+${id}$`, "m"));

  // webhooks:update — name, url, events, status
  const updated = await json(cli, ["webhooks:update", id, "--name", `cli ${tag} renamed`, "--events", events, "--status", "active"]);
  expect(updated).toMatchObject({ id, name: `cli ${tag} renamed`, active: true });
  expect(await table(cli, ["webhooks:update", secondId, "--status", "inactive", "--url", `${receiver.url}/second`])).toMatch(/^status\s+paused$/m);

  // webhooks:test — a webhook.test delivery reaches the receiver now
  const tested = await json(cli, ["webhooks:test", id]);
  expect(tested).toMatchObject({ success: true, status: "success" });
  expect(await table(cli, ["webhooks:test", id])).toMatch(/^success\s+true$/m);

  // webhooks:trigger — publishes; the subscription's receiver gets it
  const triggered = await json(cli, ["webhooks:trigger", "--event", `cli.${tag}.created`, "--data", '{"n":1}', "--metadata", '{"source":"cli"}']);
  expect(triggered.id).toMatch(/^evt-/);
  expect(await table(cli, ["webhooks:trigger", "--event", `cli.${tag}.updated`])).toMatch(/^id\s+evt-/m);
  await receiver.waitFor(1, { match: (r) => r.headers["webhook-id"] === triggered.id });

  // webhooks:deliveries — newest first, filtered by status
  const deliveries = await eventually(async () => {
    const rows = await json(cli, ["webhooks:deliveries", id, "--limit", "50", "--status", "success"]);
    return rows.some((d: any) => d.eventId === triggered.id) ? rows : undefined;
  });
  const delivery = deliveries.find((d: any) => d.eventId === triggered.id);
  expect(delivery).toMatchObject({ subscriptionId: id, status: "success", eventType: `cli.${tag}.created` });
  expect((await table(cli, ["webhooks:deliveries", id])).split("\n")[0]).toMatch(/^ID\s+STATUS\s+TRIES\s+CODE\s+EVENT\s+CREATED$/);

  // webhooks:stats
  const stats = await json(cli, ["webhooks:stats", id]);
  expect(stats.success).toBeGreaterThanOrEqual(2);
  expect(await table(cli, ["webhooks:stats", id])).toMatch(/^successRate\s+/m);

  // webhooks:retry — the delivery goes again
  expect(await json(cli, ["webhooks:retry", "--webhook", id, "--delivery", delivery.id])).toEqual({ id: delivery.id, status: "pending" });
  // A delivery being sent cannot be retried (422): wait until the first retry has finished.
  await eventually(async () => ((await json(cli, ["webhooks:delivery", id, delivery.id])).status === "success" ? true : undefined));
  expect(await table(cli, ["webhooks:retry", "--webhook", id, "--delivery", delivery.id])).toMatch(/^status\s+pending$/m);

  // webhooks:pause / webhooks:resume
  expect((await json(cli, ["webhooks:pause", id])).status).toBe("paused");
  expect(await table(cli, ["webhooks:resume", id])).toMatch(/^status\s+active$/m);
  expect((await json(cli, ["webhooks:pause", id])).status).toBe("paused");
  expect((await json(cli, ["webhooks:resume", id])).status).toBe("active");
  expect(await table(cli, ["webhooks:pause", secondId])).toMatch(/^status\s+paused$/m);

  // webhooks:delete — --force, both formats; then the id is gone (API error, exit 1)
  expect(await json(cli, ["webhooks:delete", id, "--force"])).toEqual({ id, deleted: true });
  expect(await table(cli, ["webhooks:delete", secondId, "--force"])).toMatch(/^deleted\s+true$/m);
  const gone = await cli(["webhooks:info", id]);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toMatch(/not found.*NOT_FOUND, HTTP 404/i);
  expect(gone.stdout).toBe("");
}
