// Integration secret params through the real Worker: stored sealed (D1 read directly), shown masked, sent in clear only by the engine.
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call } from "./helpers";
import { received, RECEIVER } from "./receiver";

const MASK = "********";

/** Secret values that are easy to spot anywhere. */
const S = {
  slackPath: "T0SEALED/B0SEALED/sl4ckS3cretPathzz",
  discordPath: "98765/d1sc0rdS3cretTokenzz",
  botToken: "123456:T3legramS3cretzz",
  routingKey: "R0UT1NGS3cretKeyzz",
  pushToken: "pushT0kenS3cretzz",
  pushUser: "pushUs3rS3cretzz",
  ntfyToken: "tk_ntfyS3cretzz",
};
const SECRET_TEXT = /S3cret/;

interface Case {
  id: string;
  params: Record<string, string>;
  /** Where the receiver sees the request (reachable cases), and what it must hold in clear. */
  path?: string;
  expectSent?: (request: { path: string; body: string; headers: Record<string, string> }) => void;
}

const CASES: Case[] = [
  {
    id: "slack",
    params: { webhookUrl: `${RECEIVER}/sealed/slack/${S.slackPath}` },
    path: "/sealed/slack/",
    expectSent: (r) => expect(r.path).toBe(`/sealed/slack/${S.slackPath}`),
  },
  {
    id: "discord",
    params: { webhookUrl: `${RECEIVER}/sealed/discord/${S.discordPath}` },
    path: "/sealed/discord/",
    expectSent: (r) => expect(r.path).toBe(`/sealed/discord/${S.discordPath}`),
  },
  {
    id: "telegram",
    params: { botToken: S.botToken, chatId: "-100123", apiUrl: `${RECEIVER}/sealed/telegram` },
    path: "/sealed/telegram/",
    expectSent: (r) => (expect(r.path).toBe(`/sealed/telegram/bot${S.botToken}/sendMessage`), expect(JSON.parse(r.body).chat_id).toBe("-100123")),
  },
  {
    id: "pagerduty",
    params: { routingKey: S.routingKey, apiUrl: `${RECEIVER}/sealed/pagerduty` },
    path: "/sealed/pagerduty/",
    expectSent: (r) => (expect(r.path).toBe("/sealed/pagerduty/v2/enqueue"), expect(JSON.parse(r.body)).toMatchObject({ routing_key: S.routingKey, event_action: "trigger" })),
  },
  // Fixed public urls: checked at rest and in views only (the e2e and unit tests cover their requests).
  { id: "pushover", params: { token: S.pushToken, user: S.pushUser } },
  { id: "ntfy", params: { topic: "alerts", server: "https://ntfy.example.com", token: S.ntfyToken } },
];

async function create(c: Case, extra: Record<string, unknown> = {}) {
  const res = await call("/subscriptions", { body: { events: ["sealed.*"], integration: { id: c.id, params: c.params }, ...extra } });
  expect(res.status, res.text).toBe(201);
  return res.json.data;
}

const storedRow = (id: string) => env.DB.prepare("SELECT * FROM subscriptions WHERE id = ?").bind(id).first<Record<string, unknown>>();

describe.each(CASES.map((c) => [c.id, c] as const))("%s's secret params", (_id, c) => {
  it("are stored sealed, shown masked, kept out of audit, and sent in clear with a valid signature", async () => {
    const created = await create(c);
    const secretNames = Object.keys(c.params).filter((name) => Object.values(S).some((v) => c.params[name]!.includes(v)));
    // The response, the row as D1 holds it, GET, the list and the audit rows: no secret in clear.
    expect(JSON.stringify(created)).not.toMatch(SECRET_TEXT);
    const row = await storedRow(created.id);
    expect(JSON.stringify(row)).not.toMatch(SECRET_TEXT);
    expect(Object.keys(JSON.parse(row!.params_enc as string)).sort()).toEqual(secretNames.sort());
    const read = await call(`/subscriptions/${created.id}`);
    expect(read.text).not.toMatch(SECRET_TEXT);
    expect(read.json.data.params).toEqual(Object.fromEntries(secretNames.map((name) => [name, MASK])));
    expect(new URL(read.json.data.url).origin).toBe(new URL(created.url).origin);
    expect((await call("/subscriptions?limit=100")).text).not.toMatch(SECRET_TEXT);
    const audit = await env.DB.prepare("SELECT * FROM audit WHERE target_id = ?").bind(created.id).all();
    expect(audit.results.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit.results)).not.toMatch(SECRET_TEXT);
    if (!c.path) return;

    const test = await call(`/subscriptions/${created.id}/test`, { method: "POST" });
    expect(test.status, test.text).toBe(200);
    expect(test.text).not.toMatch(SECRET_TEXT);
    const request = (await received(c.path)).at(-1)!;
    c.expectSent!(request);
    expect(new Webhook(created.secret).verify(request.body, request.headers)).toBeTruthy();
    // The attempt as recorded: no secret either.
    const attempts = await env.DB.prepare("SELECT * FROM attempts WHERE subscription_id = ?").bind(created.id).all();
    expect(JSON.stringify(attempts.results)).not.toMatch(SECRET_TEXT);
  });
});

describe("updates of a subscription with sealed params", () => {
  const pagerduty = CASES.find((c) => c.id === "pagerduty")!;
  const telegram = CASES.find((c) => c.id === "telegram")!;

  it("PATCH with the shown url keeps url template and params; any other url, even in the same origin, drops the params", async () => {
    const created = await create(telegram);
    const same = await call(`/subscriptions/${created.id}`, { method: "PATCH", body: { url: created.url, name: "renamed" } });
    expect(same.status, same.text).toBe(200);
    expect(same.json.data.droppedCredentials).toBeUndefined();
    expect((await storedRow(created.id))!.url_template).toContain("{{params.botToken}}");
    expect((await call(`/subscriptions/${created.id}/test`, { method: "POST" })).json.data.success).toBe(true);

    // Same origin, another path: on a shared host (hooks.slack.com) that is another owner.
    const moved = await call(`/subscriptions/${created.id}`, { method: "PATCH", body: { url: `${RECEIVER}/sealed/moved`, template: { leak: "{{params.botToken}}" } } });
    expect(moved.json.data.droppedCredentials).toEqual(["params"]);
    expect(moved.json.data.params).toBeUndefined();
    expect(await storedRow(created.id)).toMatchObject({ url_template: null, params_enc: null });
    await call(`/subscriptions/${created.id}/test`, { method: "POST" });
    const [request] = await received("/sealed/moved");
    expect(JSON.parse(request!.body)).toEqual({ leak: null });
  });

  it("a PATCH to another origin drops the sealed params (droppedCredentials) so a template cannot carry them away", async () => {
    const created = await create(pagerduty);
    const other = RECEIVER.replace("127.0.0.1", "localhost");
    const moved = await call(`/subscriptions/${created.id}`, { method: "PATCH", body: { url: `${other}/sealed/elsewhere` } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.json.data.droppedCredentials).toEqual(["params"]);
    expect(moved.json.data.params).toBeUndefined();
    expect((await storedRow(created.id))!.params_enc).toBeNull();
  });

  it("PUT with new params re-seals them; the mask is refused as a param value", async () => {
    const created = await create(pagerduty);
    const before = (await storedRow(created.id))!.params_enc;
    const params = { ...pagerduty.params, routingKey: "R0UT1NGS3cretNEWzz" };
    const put = await call(`/subscriptions/${created.id}`, { method: "PUT", body: { events: ["sealed.*"], integration: { id: "pagerduty", params } } });
    expect(put.status, put.text).toBe(200);
    const after = await storedRow(created.id);
    expect(after!.params_enc).not.toBe(before);
    expect(JSON.stringify(after)).not.toMatch(SECRET_TEXT);
    await call(`/subscriptions/${created.id}/test`, { method: "POST" });
    const sent = (await received("/sealed/pagerduty/")).map((r) => JSON.parse(r.body)).filter((b) => b.payload?.custom_details?.subscriptionId === created.id);
    expect(sent.at(-1).routing_key).toBe("R0UT1NGS3cretNEWzz");

    const masked = await call(`/subscriptions/${created.id}`, { method: "PUT", body: { events: ["sealed.*"], integration: { id: "pagerduty", params: { ...params, routingKey: MASK } } } });
    expect(masked.status, masked.text).toBe(400);
    expect(masked.text).not.toMatch(SECRET_TEXT);
    expect(masked.json.details.field, masked.text).toBe("integration.params.routingKey");
  });

  it("a PUT of the view as read back keeps url template and params", async () => {
    const created = await create(telegram);
    const { url, events, template } = (await call(`/subscriptions/${created.id}`)).json.data;
    const put = await call(`/subscriptions/${created.id}`, { method: "PUT", body: { url, events, template } });
    expect(put.status, put.text).toBe(200);
    expect(put.json.data.params).toEqual({ botToken: MASK });
    const test = await call(`/subscriptions/${created.id}/test`, { method: "POST" });
    expect(test.json.data.success, test.text).toBe(true);
    expect((await received(`/sealed/telegram/bot${S.botToken}/`)).length).toBeGreaterThan(0);
  });
});

describe("channels backed by integrations", () => {
  it("store the params sealed and show the masked url", async () => {
    const params = { webhookUrl: `${RECEIVER}/sealed/channel/${S.slackPath}` };
    const res = await call("/channels", { body: { name: "sealed-slack", integration: { id: "slack", params } } });
    expect(res.status, res.text).toBe(201);
    expect(res.text).not.toMatch(SECRET_TEXT);
    expect(res.json.data.url).toBe(`${new URL(RECEIVER).origin}/${MASK}`);
    expect(JSON.stringify(await storedRow(res.json.data.subscriptionId))).not.toMatch(SECRET_TEXT);
    expect((await call("/channels/sealed-slack")).text).not.toMatch(SECRET_TEXT);
    const test = await call(`/subscriptions/${res.json.data.subscriptionId}/test`, { method: "POST" });
    expect(test.json.data.success, test.text).toBe(true);
    expect((await received(`/sealed/channel/${S.slackPath}`)).length).toBe(1);
  });
});
