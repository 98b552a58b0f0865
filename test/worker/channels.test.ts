// Notification channels: CRUD, their backing subscriptions, and the statuses POST /notify reports.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

const URL_ = "http://127.0.0.1:9/chat";

describe("channels", () => {
  it("creates a channel backed by a subscription to its notify.sent events", async () => {
    const res = await call("/channels", { body: { name: "ops-slack", type: "slack", url: URL_ } });
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({ name: "ops-slack", type: "slack", url: URL_, active: true, status: "active" });
    expect(res.json.data.secret).toMatch(/^whsec_/);
    const sub = (await call(`/subscriptions/${res.json.data.subscriptionId}`)).json.data;
    expect(sub).toMatchObject({ events: ["notify.sent"], filters: { all: [{ field: "data.channel", operator: "equals", value: "ops-slack" }, { field: "data.status", operator: "equals", value: "queued" }] }, timeoutMs: 10000 });
    expect(sub.template.text).toContain("{{data.title}}");
    expect((await call("/channels", { body: { name: "ops-slack", type: "webhook", url: URL_ } })).status).toBe(422);
    expect((await call("/channels", { body: { name: "bad name", type: "webhook", url: URL_ } })).status).toBe(400);
    expect((await call("/channels", { body: { name: "x", type: "email", url: URL_ } })).status).toBe(400);
  });

  it("deleting a channel's subscription removes the channel too, so the name can be used again", async () => {
    const created = (await call("/channels", { body: { name: "orphan-check", type: "webhook", url: URL_ } })).json.data;
    expect((await call(`/subscriptions/${created.subscriptionId}`, { method: "DELETE" })).status).toBe(200);
    expect((await call("/channels/orphan-check")).status).toBe(404);
    const row = await env.DB.prepare("SELECT name FROM channels WHERE name = 'orphan-check'").first();
    expect(row).toBeNull();
    expect((await call("/channels", { body: { name: "orphan-check", type: "webhook", url: URL_ } })).status).toBe(201);
  });

  it("lists, reads, updates and deletes", async () => {
    await call("/channels", { body: { name: "hooks", type: "webhook", url: URL_ } });
    expect((await call("/channels")).json.data.items.map((c: any) => c.name)).toContain("hooks");
    const patched = await call("/channels/hooks", { method: "PATCH", body: { type: "discord", active: false } });
    expect(patched.status).toBe(200);
    expect(patched.json.data).toMatchObject({ type: "discord", active: false, status: "paused" });
    expect(patched.json.data.template.content).toContain("{{data.title}}");
    const read = await call("/channels/hooks");
    expect(read.json.data.type).toBe("discord");
    const id = read.json.data.subscriptionId;
    expect((await call("/channels/hooks", { method: "DELETE" })).json.data).toEqual({ name: "hooks", deleted: true });
    expect((await call("/channels/hooks")).status).toBe(404);
    expect((await call(`/subscriptions/${id}`)).status).toBe(404);
  });

  it("POST /notify reports queued for live channels, queued-with-reason for paused ones, failed for unknown ones", async () => {
    const live = (await call("/channels", { body: { name: "live", type: "teams", url: URL_ } })).json.data;
    await call("/channels", { body: { name: "held", type: "webhook", url: URL_, active: false } });
    const res = await call("/notify", { body: { action: "send_notification", priority: "P0", title: "Disk full", body: "db-1 at 99%", channels: ["live", "held", "nowhere"] } });
    expect(res.status).toBe(201);
    const { channels, notificationId } = res.json.data;
    expect(channels.live).toEqual({ status: "queued" });
    expect(channels.held).toMatchObject({ status: "queued", reason: expect.stringContaining("paused") });
    expect(channels.nowhere).toMatchObject({ status: "failed", reason: expect.stringContaining("no channel named") });
    const rows = await env.DB.prepare(
      "SELECT d.subscription_id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.type = 'notify.sent' AND json_extract(e.data, '$.notifId') = ?",
    )
      .bind(notificationId)
      .all<{ subscription_id: string }>();
    expect(rows.results.map((r) => r.subscription_id)).toContain(live.subscriptionId);
    expect(rows.results).toHaveLength(2);
  });
});
