// Inbound actions over real HTTP: POST /task, /notify, /research happy paths and their schema
// errors (details.field / reason / issues). Scenario ids are mapped in docs/CONFORMANCE.md.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, createToken, expectError, expectSchemaError, expectSuccess, isIsoDateTime } from "./client.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");

let key: string;
beforeAll(async () => {
  key = (await createToken(url, admin, ["task", "notify", "research"])).key;
});

describe("POST /task", () => {
  it("[ACT-1] queues a task: 201 {id task-…, status pending, position, estimates} with self and status links", async () => {
    const res = await api(url, "/task", {
      token: key,
      body: { action: "add_task", task: "write the quarterly report", priority: "high", deadline: "2030-01-01T09:00:00Z", tags: ["report", "q1"], expected: "a PDF" },
    });
    const data = expectSuccess(res, 201);
    expect(data.id).toMatch(/^task-/);
    expect(data.status).toBe("pending");
    expect(Number.isInteger(data.position) && data.position >= 0).toBe(true);
    expect(isIsoDateTime(data.estimatedStart) && isIsoDateTime(data.estimatedCompletion)).toBe(true);
    expect(Date.parse(data.estimatedCompletion)).toBeGreaterThanOrEqual(Date.parse(data.estimatedStart));
    expect(res.json.links).toEqual({ self: `/webhooks/v2/task/${data.id}`, status: `/webhooks/v2/task/${data.id}/status` });

    const status = expectSuccess(await api(url, res.json.links.status.replace("/webhooks/v2", ""), { token: key }));
    expect(status).toMatchObject({ id: data.id, status: "pending", priority: "high", title: "write the quarterly report", tags: ["report", "q1"] });
  });

  it("[ACT-2] priority is optional (medium) and a later task of the same priority queues behind", async () => {
    const first = expectSuccess(await api(url, "/task", { token: key, body: { action: "add_task", task: "first task in the queue" } }), 201);
    const second = expectSuccess(await api(url, "/task", { token: key, body: { action: "add_task", task: "second task in the queue", priority: "medium" } }), 201);
    expect(second.position).toBeGreaterThan(first.position);
    const status = expectSuccess(await api(url, `/task/${first.id}/status`, { token: key }));
    expect(status.priority).toBe("medium");
  });

  it("[ACT-3] schema errors name the field: short task, bad priority, bad deadline, tag types, wrong action", async () => {
    expectSchemaError(await api(url, "/task", { token: key, body: { action: "add_task", task: "short" } }), "task");
    expectSchemaError(await api(url, "/task", { token: key, body: { action: "add_task" } }), "task");
    expectSchemaError(await api(url, "/task", { token: key, body: { action: "add_task", task: "a long enough task", priority: "urgent" } }), "priority");
    expectSchemaError(await api(url, "/task", { token: key, body: { action: "add_task", task: "a long enough task", deadline: "tomorrow" } }), "deadline");
    expectSchemaError(await api(url, "/task", { token: key, body: { action: "remove_task", task: "a long enough task" } }), "action");
    const many = expectSchemaError(await api(url, "/task", { token: key, body: { action: "add_task", task: "x", priority: "urgent", tags: ["ok", 7] } }), "tags.1");
    expect(many.details.issues.map((i: { field: string }) => i.field)).toEqual(expect.arrayContaining(["task", "priority", "tags.1"]));
  });
});

describe("POST /notify", () => {
  it("[ACT-4] sends a notification: 201 {notificationId notif-…, channels: {name: {status}}}; 422 when no channel exists", async () => {
    expectSuccess(await api(url, "/channels", { token: admin, body: { name: "ops", type: "webhook", url: "http://127.0.0.1:9/ops", active: false } }), 201);
    const data = expectSuccess(
      await api(url, "/notify", { token: key, body: { action: "send_notification", priority: "P1", title: "Deploy finished", body: "v1.2.3 is live", channels: ["ops", "email"], data: { version: "1.2.3" } } }),
      201,
    );
    expect(data.notificationId).toMatch(/^notif-/);
    expect(Object.keys(data.channels).sort()).toEqual(["email", "ops"]);
    expect(data.channels.ops.status).toBe("queued");
    expect(data.channels.email).toMatchObject({ status: "failed", reason: expect.stringContaining("POST /channels") });
    const none = expectError(await api(url, "/notify", { token: key, body: { action: "send_notification", priority: "P3", title: "FYI", body: "nowhere", channels: ["whatsapp"] } }), "UNPROCESSABLE", 422);
    expect(none.details.missingChannels).toEqual(["whatsapp"]);
  });

  it("[ACT-5] schema errors name the field: priority outside P0..P3, missing title, bad channel list", async () => {
    const base = { action: "send_notification", priority: "P1", title: "t", body: "b" };
    expectSchemaError(await api(url, "/notify", { token: key, body: { ...base, priority: "P9" } }), "priority");
    const { title: _title, ...untitled } = base;
    expectSchemaError(await api(url, "/notify", { token: key, body: untitled }), "title");
    expectSchemaError(await api(url, "/notify", { token: key, body: { ...base, channels: { ops: true } } }), "channels");
    expectSchemaError(await api(url, "/notify", { token: key, body: { ...base, data: [1, 2] } }), "data");
  });
});

describe("POST /research", () => {
  it("[ACT-6] starts research: 201 {researchId res-…, status started, estimatedCompletion, progressUrl} and the progress URL answers", async () => {
    const data = expectSuccess(
      await api(url, "/research", { token: key, body: { action: "start_research", topic: "edge webhook gateways", depth: 3, format: "json", sources: ["https://example.com/a"], maxAge: 86400 } }),
      201,
    );
    expect(data.researchId).toMatch(/^res-/);
    expect(data.status).toBe("started");
    expect(isIsoDateTime(data.estimatedCompletion)).toBe(true);
    expect(data.progressUrl).toBe(`/webhooks/v2/research/${data.researchId}/status`);
    const progress = expectSuccess(await api(url, data.progressUrl.replace("/webhooks/v2", ""), { token: key }));
    expect(progress).toMatchObject({ id: data.researchId, status: "started", topic: "edge webhook gateways", depth: 3, format: "json" });
  });

  it("[ACT-7] schema errors name the field: depth outside 1..5, unknown format, missing topic, maxAge not a number", async () => {
    const base = { action: "start_research", topic: "edge webhook gateways" };
    expectSchemaError(await api(url, "/research", { token: key, body: { ...base, depth: 9 } }), "depth");
    expectSchemaError(await api(url, "/research", { token: key, body: { ...base, depth: 0 } }), "depth");
    expectSchemaError(await api(url, "/research", { token: key, body: { ...base, format: "pdf" } }), "format");
    expectSchemaError(await api(url, "/research", { token: key, body: { action: "start_research" } }), "topic");
    expectSchemaError(await api(url, "/research", { token: key, body: { ...base, maxAge: "1h" } }), "maxAge");
  });
});
