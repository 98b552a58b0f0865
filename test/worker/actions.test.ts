// Inbound actions through the real Worker: task queue, notify, research, their events in D1.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createToken } from "./helpers";

async function eventsOfType(type: string) {
  const rows = await env.DB.prepare("SELECT * FROM events WHERE type = ? ORDER BY id").bind(type).all<{ id: string; data: string; metadata: string }>();
  return rows.results.map((r) => ({ id: r.id, data: JSON.parse(r.data), metadata: JSON.parse(r.metadata) }));
}

const task = (text: string, priority?: string) => ({ action: "add_task", task: text, ...(priority ? { priority } : {}) });

describe("POST /task", () => {
  it("queues a task, links to real routes and emits task.created", async () => {
    const res = await call("/task", { body: { ...task("prepare the board meeting deck", "high"), deadline: "2026-12-01T09:00:00Z", tags: ["q4"], expected: "a deck" } });
    expect(res.status).toBe(201);
    const { data, links } = res.json;
    expect(data.id).toMatch(/^task-/);
    expect(data.status).toBe("pending");
    expect(data.deadline).toBe("2026-12-01T09:00:00.000Z");
    expect(Number.isInteger(data.position)).toBe(true);
    expect(Date.parse(data.estimatedCompletion)).toBeGreaterThan(Date.parse(data.estimatedStart));
    expect(links.self).toBe(`/webhooks/v2/task/${data.id}`);
    expect(links.status).toBe(`/webhooks/v2/task/${data.id}/status`);
    const status = await call(links.status.replace("/webhooks/v2", ""));
    expect(status.status).toBe(200);
    expect(status.json.data).toMatchObject({ id: data.id, title: "prepare the board meeting deck", priority: "high", status: "pending", tags: ["q4"], deadline: "2026-12-01T09:00:00.000Z" });
    const [event] = (await eventsOfType("task.created")).filter((e) => e.data.taskId === data.id);
    expect(event!.id).toMatch(/^evt-/);
    expect(event!.data).toEqual({ taskId: data.id, title: "prepare the board meeting deck", priority: "high", deadline: "2026-12-01T09:00:00.000Z", tags: ["q4"], expected: "a deck" });
    expect(event!.metadata.requestId).toBe(res.json.meta.requestId);
  });

  it("orders the queue by priority then age", async () => {
    const low = (await call("/task", { body: task("low priority chore one", "low") })).json.data;
    const medium = (await call("/task", { body: task("medium priority chore one", "medium") })).json.data;
    const high = (await call("/task", { body: task("high priority chore one", "high") })).json.data;
    const positions = async () =>
      Promise.all([low, medium, high].map(async (t) => (await call(`/task/${t.id}/status`)).json.data.position as number));
    const [pLow, pMedium, pHigh] = await positions();
    expect(pHigh).toBeLessThan(pMedium!);
    expect(pMedium).toBeLessThan(pLow!);
    // A newer high-priority task queues behind the older one.
    const high2 = (await call("/task", { body: task("high priority chore two", "high") })).json.data;
    expect(high2.position).toBe(pHigh! + 1);
  });

  it("keeps the trigger-maintained queue counts equal to the pending tasks through every transition", async () => {
    const ids: string[] = [];
    for (const priority of ["high", "low", "medium", "high", "low"]) ids.push((await call("/task", { body: task(`counted ${priority} priority task`, priority) })).json.data.id);
    await call(`/task/${ids[0]}`, { method: "PATCH", body: { status: "running" } });
    await call(`/task/${ids[1]}`, { method: "PATCH", body: { status: "failed", error: "x" } });
    await call(`/task/${ids[0]}`, { method: "PATCH", body: { status: "completed" } });
    await env.DB.prepare("DELETE FROM tasks WHERE id = ?").bind(ids[2]).run();
    const counts = await env.DB.prepare("SELECT priority_rank, pending FROM task_queue ORDER BY priority_rank").all<{ priority_rank: number; pending: number }>();
    const actual = await env.DB.prepare("SELECT priority_rank, COUNT(*) AS pending FROM tasks WHERE status = 'pending' GROUP BY priority_rank").all<{ priority_rank: number; pending: number }>();
    const byRank = Object.fromEntries(actual.results.map((r) => [r.priority_rank, r.pending]));
    expect(counts.results).toHaveLength(3);
    for (const row of counts.results) expect(row.pending, `rank ${row.priority_rank}`).toBe(byRank[row.priority_rank] ?? 0);
    const next = (await call("/task", { body: task("a medium task after the changes", "medium") })).json.data;
    expect(next.position).toBe((byRank[0] ?? 0) + (byRank[1] ?? 0));
  });

  it("estimates from the average duration of completed tasks", async () => {
    const { id } = (await call("/task", { body: task("a task to complete quickly") })).json.data;
    await env.DB.prepare("UPDATE tasks SET status = 'completed', duration_ms = 60000, completed_at = ? WHERE id = ?").bind(Date.now(), id).run();
    await env.DB.prepare("UPDATE tasks SET status = 'completed', duration_ms = 60000, completed_at = ? WHERE status = 'pending'").bind(Date.now()).run();
    await env.DB.prepare("UPDATE tasks SET duration_ms = 60000 WHERE status = 'completed'").run();
    const created = (await call("/task", { body: task("the first task in an empty queue") })).json.data;
    expect(created.position).toBe(0);
    expect(Date.parse(created.estimatedCompletion) - Date.parse(created.estimatedStart)).toBe(60000);
    const second = (await call("/task", { body: task("the second task in the queue") })).json.data;
    expect(second.position).toBe(1);
    expect(Date.parse(second.estimatedStart) - Date.parse(created.estimatedStart)).toBeGreaterThanOrEqual(60000);
  });

  it("validates every field", async () => {
    const cases: [unknown, string][] = [
      [{ task: "long enough task text" }, "action"],
      [{ action: "other", task: "long enough task text" }, "action"],
      [task("short"), "task"],
      [task("long enough task text", "urgent"), "priority"],
      [{ ...task("long enough task text"), deadline: "tomorrow" }, "deadline"],
      [{ ...task("long enough task text"), tags: { a: 1 } }, "tags"],
      [{ ...task("long enough task text"), tags: [1] }, "tags.0"],
      [[1, 2], "(root)"],
    ];
    for (const [body, field] of cases) {
      const res = await call("/task", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.code).toBe("SCHEMA_VALIDATION_ERROR");
      expect(res.json.details.field).toBe(field);
    }
  });

  it("treats an empty body as {} and reports the missing fields", async () => {
    const res = await call("/task", { rawBody: "", headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("SCHEMA_VALIDATION_ERROR");
  });
});

describe("PATCH /task/:id", () => {
  it("runs then completes a task, emitting task.completed with result and duration", async () => {
    const { id } = (await call("/task", { body: task("transcode the launch video") })).json.data;
    const running = await call(`/task/${id}`, { method: "PATCH", body: { status: "running" } });
    expect(running.status).toBe(200);
    expect(running.json.data.status).toBe("running");
    expect(running.json.data.position).toBeNull();
    const done = await call(`/task/${id}`, { method: "PATCH", body: { status: "completed", result: { url: "https://cdn.example/v.mp4" } } });
    expect(done.status).toBe(200);
    expect(done.json.data).toMatchObject({ status: "completed", result: { url: "https://cdn.example/v.mp4" } });
    expect(done.json.data.durationMs).toBeGreaterThanOrEqual(0);
    const [event] = (await eventsOfType("task.completed")).filter((e) => e.data.taskId === id);
    expect(event!.data).toMatchObject({ taskId: id, result: { url: "https://cdn.example/v.mp4" } });
    expect(typeof event!.data.duration).toBe("number");
  });

  it("fails a task, emitting task.failed, and refuses to change a finished task (422) without a second event", async () => {
    const { id } = (await call("/task", { body: task("import the customer list") })).json.data;
    const failed = await call(`/task/${id}`, { method: "PATCH", body: { status: "failed", error: "CSV malformed" } });
    expect(failed.json.data.status).toBe("failed");
    const events = (await eventsOfType("task.failed")).filter((e) => e.data.taskId === id);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ taskId: id, error: "CSV malformed" });
    expect(new Date(events[0]!.data.timestamp).toISOString()).toBe(events[0]!.data.timestamp);
    const again = await call(`/task/${id}`, { method: "PATCH", body: { status: "completed" } });
    expect(again.status).toBe(422);
    expect(again.json).toMatchObject({ code: "UNPROCESSABLE", details: { currentStatus: "failed" } });
    expect((await eventsOfType("task.completed")).filter((e) => e.data.taskId === id)).toHaveLength(0);
  });

  it("publishes exactly one completion when two workers race", async () => {
    const { id } = (await call("/task", { body: task("a task two workers finish") })).json.data;
    const results = await Promise.all([1, 2, 3].map(() => call(`/task/${id}`, { method: "PATCH", body: { status: "completed", result: "ok" } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 422, 422]);
    expect((await eventsOfType("task.completed")).filter((e) => e.data.taskId === id)).toHaveLength(1);
  });

  it("answers 404 for an unknown task and 400 for a bad status", async () => {
    expect((await call("/task/task-nope", { method: "PATCH", body: { status: "completed" } })).status).toBe(404);
    expect((await call("/task/task-nope/status")).status).toBe(404);
    const { id } = (await call("/task", { body: task("a task for validation") })).json.data;
    const bad = await call(`/task/${id}`, { method: "PATCH", body: { status: "pending" } });
    expect(bad.status).toBe(400);
    expect(bad.json.details.field).toBe("status");
  });
});

describe("POST /notify", () => {
  it("answers 422 naming the missing channels when no channel can deliver, and records nothing", async () => {
    const before = (await eventsOfType("notify.sent")).length;
    const res = await call("/notify", { body: { action: "send_notification", priority: "P1", title: "Deploy done", body: "v2.3 is live", channels: ["slack-ops", "whatsapp"] } });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: "UNPROCESSABLE", retryable: false, details: { missingChannels: ["slack-ops", "whatsapp"] } });
    expect(res.json.error).toContain('"whatsapp"');
    expect(res.json.error).toContain("POST /channels");
    // Without channels the notification goes to the channel named "default", which a fresh install lacks.
    const none = await call("/notify", { body: { action: "send_notification", priority: "P2", title: "IFTTT", body: "no channels named" } });
    expect(none.status).toBe(422);
    expect(none.json.details.missingChannels).toEqual(["default"]);
    expect((await eventsOfType("notify.sent")).length).toBe(before);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM notifications WHERE title IN ('Deploy done', 'IFTTT')").first<{ n: number }>())!.n).toBe(0);
  });

  it("records the notification, reports each channel honestly and emits notify.sent per channel", async () => {
    await call("/channels", { body: { name: "slack-ops", type: "slack", url: "http://127.0.0.1:9/slack" } });
    const res = await call("/notify", { body: { action: "send_notification", priority: "P1", title: "Deploy done", body: "v2.3 is live", channels: ["slack-ops", "email"], data: { version: "2.3" } } });
    expect(res.status).toBe(201);
    const { notificationId, channels } = res.json.data;
    expect(notificationId).toMatch(/^notif-/);
    expect(channels).toEqual({ "slack-ops": { status: "queued" }, email: { status: "failed", reason: expect.stringMatching(/no channel named/) } });
    const events = (await eventsOfType("notify.sent")).filter((e) => e.data.notifId === notificationId);
    expect(events.map((e) => e.data.channel).sort()).toEqual(["email", "slack-ops"]);
    expect(events.find((e) => e.data.channel === "email")!.data).toMatchObject({ status: "failed", title: "Deploy done", notificationId });
    const row = await env.DB.prepare("SELECT * FROM notifications WHERE id = ?").bind(notificationId).first<{ title: string }>();
    expect(row!.title).toBe("Deploy done");
  });

  it("validates priority, title and channels", async () => {
    const base = { action: "send_notification", priority: "P1", title: "t", body: "b" };
    for (const [body, field] of [
      [{ ...base, priority: "P4" }, "priority"],
      [{ ...base, title: "" }, "title"],
      [{ ...base, channels: ["bad name!"] }, "channels.0"],
      [{ ...base, data: "x" }, "data"],
    ] as const) {
      const res = await call("/notify", { body });
      expect(res.status).toBe(400);
      expect(res.json.details.field).toBe(field);
    }
  });
});

describe("research", () => {
  it("starts, reports status and completes once, emitting research.started and research.completed", async () => {
    const started = await call("/research", { body: { action: "start_research", topic: "edge databases", depth: 3, format: "json", sources: ["https://example.com"] } });
    expect(started.status).toBe(201);
    const { researchId, status, estimatedCompletion, progressUrl } = started.json.data;
    expect(researchId).toMatch(/^res-/);
    expect(status).toBe("started");
    expect(Date.parse(estimatedCompletion)).toBeGreaterThan(Date.now());
    expect(progressUrl).toBe(`/webhooks/v2/research/${researchId}/status`);
    const progress = await call(`/research/${researchId}/status`);
    expect(progress.json.data).toMatchObject({ id: researchId, topic: "edge databases", depth: 3, format: "json", status: "started", report: null });
    expect((await eventsOfType("research.started")).some((e) => e.data.researchId === researchId && e.data.topic === "edge databases")).toBe(true);

    const done = await call(`/research/${researchId}/complete`, { body: { report: "# Findings\nD1 is SQLite." } });
    expect(done.status).toBe(200);
    expect(done.json.data).toMatchObject({ status: "completed", report: "# Findings\nD1 is SQLite." });
    const again = await call(`/research/${researchId}/complete`, { body: { report: "other" } });
    expect(again.status).toBe(422);
    const completed = (await eventsOfType("research.completed")).filter((e) => e.data.researchId === researchId);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data.report).toBe("# Findings\nD1 is SQLite.");
  });

  it("validates depth, format and maxAge; 404 for unknown ids", async () => {
    const base = { action: "start_research", topic: "edge databases" };
    for (const [body, field] of [
      [{ ...base, depth: 6 }, "depth"],
      [{ ...base, depth: 0 }, "depth"],
      [{ ...base, format: "pdf" }, "format"],
      [{ ...base, maxAge: -5 }, "maxAge"],
    ] as const) {
      const res = await call("/research", { body });
      expect(res.status).toBe(400);
      expect(res.json.details.field).toBe(field);
    }
    expect((await call("/research/res-nope/status")).status).toBe(404);
    expect((await call("/research/res-nope/complete", { body: { report: "x" } })).status).toBe(404);
  });

  it("requires the research scope", async () => {
    const { key } = await createToken(["task"]);
    expect((await call("/research", { token: key, body: { action: "start_research", topic: "edge databases" } })).status).toBe(403);
  });
});

describe("event ids", () => {
  it("sort in publish order", async () => {
    for (let i = 0; i < 5; i++) await call("/task", { body: task(`ordered task number ${i}`) });
    const rows = await env.DB.prepare("SELECT id, data FROM events WHERE type = 'task.created' ORDER BY rowid").all<{ id: string }>();
    const ids = rows.results.map((r) => r.id);
    expect([...ids].sort()).toEqual(ids);
  });
});
