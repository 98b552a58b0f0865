// Helpers for automation worker tests: create rules, publish, and wait for the run row to reach a status.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call } from "./helpers";

/** Creates a rule through the API; returns its id. */
export async function createRule(body: Record<string, unknown>): Promise<string> {
  const res = await call("/rules", { body: { name: "test rule", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json.data.id as string;
}

/** Publishes an event through POST /events; returns its id. */
export async function publishEvent(type: string, data: Record<string, unknown>): Promise<string> {
  const res = await call("/events", { body: { type, data } });
  expect(res.status, res.text).toBe(201);
  return res.json.data.id as string;
}

/** Polls GET /runs/:id until its status is one of `statuses` (fails after 10 s). */
export async function runReaching(id: string, statuses: string[]): Promise<any> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await call(`/runs/${id}`);
    if (res.status === 200 && statuses.includes(res.json.data.status)) return res.json.data;
    if (Date.now() > deadline) throw new Error(`run ${id} did not reach ${statuses.join("|")}: ${res.text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls until an event of `type` whose data.runId is `runId` is stored; returns its data. */
export async function eventOfRun(type: string, runId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const row = await env.DB.prepare("SELECT data FROM events WHERE type = ? AND json_extract(data, '$.runId') = ?").bind(type, runId).first<string>("data");
    if (row) return JSON.parse(row);
    if (Date.now() > deadline) throw new Error(`no ${type} event for ${runId}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
